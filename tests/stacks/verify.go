// Go's crypto/x509 verdict on each case folder below os.Args[1]: the
// leaf (leaf.pem) checked for a TLS server named localhost against the
// trust anchors (anchors.pem) through the intermediates (chain.pem), now.
// Prints one JSON object: case name -> {"accepted", "detail"}.
// Built and run by tests/tests/stacks.rs (standard library only).
package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
)

type verdict struct {
	Accepted bool   `json:"accepted"`
	Detail   string `json:"detail"`
}

func certificates(file string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return out, nil
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(file), err)
		}
		out = append(out, cert)
	}
}

func check(dir string) error {
	anchors, err := certificates(filepath.Join(dir, "anchors.pem"))
	if err != nil {
		return err
	}
	chain, err := certificates(filepath.Join(dir, "chain.pem"))
	if err != nil {
		return err
	}
	leaf, err := certificates(filepath.Join(dir, "leaf.pem"))
	if err != nil {
		return err
	}
	roots, intermediates := x509.NewCertPool(), x509.NewCertPool()
	for _, c := range anchors {
		roots.AddCert(c)
	}
	for _, c := range chain {
		intermediates.AddCert(c)
	}
	_, err = leaf[0].Verify(x509.VerifyOptions{
		DNSName:       "localhost",
		Roots:         roots,
		Intermediates: intermediates,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	return err
}

func main() {
	entries, err := os.ReadDir(os.Args[1])
	if err != nil {
		panic(err)
	}
	out := map[string]verdict{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if err := check(filepath.Join(os.Args[1], e.Name())); err != nil {
			out[e.Name()] = verdict{false, err.Error()}
		} else {
			out[e.Name()] = verdict{true, ""}
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
