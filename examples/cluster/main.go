// Command cluster runs a replicated flatseg store: three nodes in one
// process, talking raft over mutually authenticated TLS on the loopback
// interface (replica.NewTLSTransport). A writer
// updates the leader, readers read their local replica on the followers,
// then the leader is stopped and another takes over. It prints what
// happens, with timings, and finishes in a few seconds.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/replica"
)

type node struct {
	n *replica.Node[int64, string]
}

func main() {
	log.SetFlags(0)
	start := time.Now()
	at := func() string { return fmt.Sprintf("%6.0fms", float64(time.Since(start).Microseconds())/1000) }

	// The cluster's CA and a certificate for each node. In production
	// they come from files (tls.LoadX509KeyPair for a node's key pair,
	// x509.CertPool.AppendCertsFromPEM for the CA's certificate), and the
	// CA's key is not on any node; here a throwaway CA, valid for an hour,
	// signs three certificates at start.
	ca, certs, err := throwawayCerts(3)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s  a throwaway CA signed 3 node certificates\n", at())

	// Three nodes, each with a TLS transport on 127.0.0.1 and a port the
	// system picks. A node presents its certificate to the nodes it dials
	// and to those that dial it, and accepts only peers whose certificate
	// the CA signed: whoever else reaches the port can send no raft RPC.
	var nodes []node
	var servers []raft.Server
	for i := range 3 {
		tlsConf := &tls.Config{Certificates: []tls.Certificate{certs[i]}, RootCAs: ca, ClientCAs: ca}
		tr, err := replica.NewTLSTransport("127.0.0.1:0", nil, tlsConf, &raft.NetworkTransportConfig{
			MaxPool: 3, Timeout: 2 * time.Second, Logger: hclog.NewNullLogger(),
		})
		if err != nil {
			log.Fatal(err)
		}
		conf := raft.DefaultConfig()
		conf.HeartbeatTimeout = 200 * time.Millisecond
		conf.ElectionTimeout = 200 * time.Millisecond
		conf.LeaderLeaseTimeout = 100 * time.Millisecond
		conf.CommitTimeout = 5 * time.Millisecond
		conf.LogOutput = io.Discard
		id := raft.ServerID(fmt.Sprint("node", i))
		n, err := replica.Open(replica.Config[int64, string]{
			ID: id, Transport: tr, Codec: fst.StringCodec[string](),
			Min: 0, Max: 1000, Init: "free", Raft: conf,
		})
		if err != nil {
			log.Fatal(err)
		}
		nodes = append(nodes, node{n})
		servers = append(servers, raft.Server{ID: id, Address: tr.LocalAddr()})
		fmt.Printf("%s  %s listening on %s (TLS 1.3, mutual authentication)\n", at(), id, tr.LocalAddr())
	}
	if err := nodes[0].n.Bootstrap(servers); err != nil {
		log.Fatal(err)
	}
	leader := waitLeader(nodes, -1)
	fmt.Printf("%s  %s is the leader\n", at(), servers[leader].ID)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// Readers on the followers: each waits for new versions of its local
	// replica and reads the segment at key 500.
	stopReaders := make(chan struct{})
	var readers sync.WaitGroup
	for i, nd := range nodes {
		if i == leader {
			continue
		}
		readers.Go(func() { reader(ctx, at, servers[i].ID, nd.n.Store(), stopReaders) })
	}

	// The writer books ranges on the leader; each Update returns once its
	// write is committed by a quorum and applied on the leader.
	write := func(n *replica.Node[int64, string], i int) (*flatseg.Snapshot[int64, string], error) {
		return n.Update(ctx, func(tx *flatseg.Txn[int64, string]) error {
			_, err := tx.Insert(int64(i*10), int64(i*10+10), fmt.Sprint("booking-", i))
			return err
		})
	}
	var last *flatseg.Snapshot[int64, string]
	for i := range 50 {
		t0 := time.Now()
		sn, err := write(nodes[leader].n, i)
		if err != nil {
			log.Fatal(err)
		}
		last = sn
		if i%10 == 0 {
			fmt.Printf("%s  write %d committed at version %d in %v\n", at(), i, sn.Version(), time.Since(t0).Round(time.Microsecond))
		}
	}

	// Stop the leader: the followers elect a new one.
	old := leader
	fmt.Printf("%s  stopping the leader %s\n", at(), servers[old].ID)
	t0 := time.Now()
	nodes[old].n.Close() // raft's Shutdown closes the transport too
	leader = waitLeader(nodes, old)
	fmt.Printf("%s  %s took over after %v\n", at(), servers[leader].ID, time.Since(t0).Round(time.Millisecond))

	// Every acknowledged write survived; the writer carries on.
	sn, err := nodes[leader].n.Barrier(ctx)
	if err != nil {
		log.Fatal(err)
	}
	seg, _ := sn.Search(495)
	fmt.Printf("%s  new leader at version %d (last acknowledged write: %d): [%d, %d) is %q\n",
		at(), sn.Version(), last.Version(), seg.Start, seg.End, seg.Value)
	if sn.Version() < last.Version() {
		log.Fatal("an acknowledged write was lost")
	}
	for i := 50; i < 60; i++ {
		if last, err = write(nodes[leader].n, i); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("%s  10 more writes on the new leader, up to version %d\n", at(), last.Version())

	// Read-your-writes on the remaining follower.
	for i, nd := range nodes {
		if i == old || i == leader {
			continue
		}
		sn, err := nd.n.Store().WaitFor(ctx, last.Version())
		if err != nil {
			log.Fatal(err)
		}
		seg, _ := sn.Search(595)
		fmt.Printf("%s  %s reads version %d locally: [%d, %d) is %q\n", at(), servers[i].ID, sn.Version(), seg.Start, seg.End, seg.Value)
	}
	close(stopReaders)
	readers.Wait()
	for i, nd := range nodes {
		if i != old {
			nd.n.Close()
		}
	}
	fmt.Printf("%s  done\n", at())
}

// waitLeader returns the index of the leader among nodes, skipping skip.
func waitLeader(nodes []node, skip int) int {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for i, nd := range nodes {
			if i != skip && nd.n.Raft().State() == raft.Leader {
				return i
			}
		}
	}
	log.Fatal("no leader elected")
	return -1
}

// reader follows the versions of a follower's store until stop.
func reader(ctx context.Context, at func() string, id raft.ServerID, s *flatseg.Store[int64, string], stop <-chan struct{}) {
	seen := 0
	sn := s.Snapshot()
	for {
		select {
		case <-stop:
			fmt.Printf("%s  reader on %s saw %d versions, the last %d\n", at(), id, seen, sn.Version())
			return
		case <-sn.Stale():
			sn = s.Snapshot()
			seen++
		case <-ctx.Done():
			return
		}
	}
}

// throwawayCerts returns a pool holding a new CA's certificate and n node
// certificates it signed: ECDSA P-256, valid for an hour, for 127.0.0.1,
// and usable both to serve and to dial (ExtKeyUsage ServerAuth and
// ClientAuth), since every node does both.
func throwawayCerts(n int) (*x509.CertPool, []tls.Certificate, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "flatseg example cluster CA"},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, err
	}
	caCert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	var certs []tls.Certificate
	for i := range n {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
			SerialNumber: big.NewInt(int64(i) + 2), Subject: pkix.Name{CommonName: fmt.Sprint("node", i)},
			NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour),
			KeyUsage:    x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		}, caCert, &key.PublicKey, caKey)
		if err != nil {
			return nil, nil, err
		}
		certs = append(certs, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key})
	}
	return pool, certs, nil
}
