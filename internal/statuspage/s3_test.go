package statuspage

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// The examples of AWS's "Signature Calculations for the Authorization Header"
// (S3 API reference): the signatures printed there are what a real bucket
// computes, so a signer that gives them is right.
func TestS3SignatureMatchesAWSExamples(t *testing.T) {
	s := &S3{Region: "us-east-1", AccessKey: "AKIAIOSFODNN7EXAMPLE", SecretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	at := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name, method, url string
		headers           map[string]string
		body              string
		signed, signature string
	}{
		{"GET Object", "GET", "https://examplebucket.s3.amazonaws.com/test.txt", map[string]string{"Range": "bytes=0-9"}, "",
			"host;range;x-amz-content-sha256;x-amz-date", "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
		{"PUT Object", "PUT", "https://examplebucket.s3.amazonaws.com/test%24file.text",
			map[string]string{"Date": "Fri, 24 May 2013 00:00:00 GMT", "X-Amz-Storage-Class": "REDUCED_REDUNDANCY"}, "Welcome to Amazon S3.",
			"date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class", "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"},
		{"GET Bucket lifecycle", "GET", "https://examplebucket.s3.amazonaws.com/?lifecycle", nil, "",
			"host;x-amz-content-sha256;x-amz-date", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"},
		{"GET Bucket, parameters out of order", "GET", "https://examplebucket.s3.amazonaws.com/?prefix=J&max-keys=2", nil, "",
			"host;x-amz-content-sha256;x-amz-date", "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"},
	}
	for _, c := range cases {
		req, err := http.NewRequest(c.method, c.url, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range c.headers {
			req.Header.Set(k, v)
		}
		s.sign(req, []byte(c.body), at)
		want := "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=" + c.signed + ",Signature=" + c.signature
		if got := req.Header.Get("Authorization"); got != want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, want)
		}
	}
}

// Keys are encoded as S3 canonicalises them: one %XX per byte outside the
// unreserved set, slashes kept.
func TestS3KeyEncoding(t *testing.T) {
	for in, want := range map[string]string{
		"/bucket/api/v2/summary.json":    "/bucket/api/v2/summary.json",
		"/bucket/a b/été+(1)~x_y-z.html": "/bucket/a%20b/%C3%A9t%C3%A9%2B%281%29~x_y-z.html",
		"/b/test$file.text":              "/b/test%24file.text",
	} {
		if got := uriEncodePath(in); got != want {
			t.Errorf("uriEncodePath(%q) = %q, want %q", in, got, want)
		}
	}
}
