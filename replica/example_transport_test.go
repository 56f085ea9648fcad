package replica_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"time"

	"github.com/hashicorp/raft"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/replica"
)

// Three nodes talk raft over mutually authenticated TLS 1.3: each holds a
// certificate the cluster's CA signed and trusts that CA alone, for the
// nodes it dials and the nodes that dial it.
func ExampleNewTLSTransport() {
	// In production each node loads its key pair and the CA's certificate
	// from files: tls.LoadX509KeyPair, and x509.NewCertPool with
	// AppendCertsFromPEM. Here, a throwaway CA signs three certificates.
	ca, certs := exampleCerts(3)
	var nodes []*replica.Node[int64, string]
	var servers []raft.Server
	for i, cert := range certs {
		conf := &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: ca, ClientCAs: ca}
		transport, err := replica.NewTLSTransport("127.0.0.1:0", nil, conf, nil)
		if err != nil {
			panic(err)
		}
		rc := raft.DefaultConfig()
		rc.LogOutput = io.Discard
		rc.HeartbeatTimeout, rc.ElectionTimeout, rc.LeaderLeaseTimeout = 50*time.Millisecond, 50*time.Millisecond, 50*time.Millisecond
		id := raft.ServerID(fmt.Sprint("node", i))
		n, err := replica.Open(replica.Config[int64, string]{
			ID: id, Transport: transport, Raft: rc,
			Codec: fst.StringCodec[string](), Min: 0, Max: 1000, Init: "free",
		})
		if err != nil {
			panic(err)
		}
		defer n.Close() // closes the transport too
		nodes = append(nodes, n)
		servers = append(servers, raft.Server{ID: id, Address: transport.LocalAddr()})
	}
	if err := nodes[0].Bootstrap(servers); err != nil {
		panic(err)
	}

	ctx := context.Background()
	var sn *flatseg.Snapshot[int64, string]
	for i := 0; sn == nil; i++ { // writes go to the leader, whichever node it is
		var err error
		sn, err = nodes[i%len(nodes)].Update(ctx, func(tx *flatseg.Txn[int64, string]) error {
			_, err := tx.Insert(10, 20, "alice")
			return err
		})
		if err != nil && !errors.Is(err, replica.ErrNotLeader) {
			panic(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, n := range nodes {
		local, _ := n.Store().WaitFor(ctx, sn.Version())
		seg, _ := local.Search(15)
		fmt.Println(seg.Value)
	}
	// Output:
	// alice
	// alice
	// alice
}

// exampleCerts returns a throwaway CA, valid for an hour, and n
// certificates it signed for 127.0.0.1, each for both server and client
// authentication, as every node both listens and dials.
func exampleCerts(n int) (*x509.CertPool, []tls.Certificate) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		panic(err)
	}
	ca, _ = x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	var certs []tls.Certificate
	for i := range n {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
			SerialNumber: big.NewInt(int64(i + 2)),
			NotBefore:    time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
			KeyUsage:    x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		}, ca, &key.PublicKey, caKey)
		if err != nil {
			panic(err)
		}
		certs = append(certs, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key})
	}
	return pool, certs
}
