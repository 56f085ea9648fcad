package replica

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// The transport tests run real TCP on 127.0.0.1, with certificates made
// here: throwaway ECDSA P-256 CAs and leaves, valid for an hour.

const tlsWait = 10 * time.Second // bounds every wait of these tests

// testCA is a throwaway certificate authority.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool // holds cert alone
}

func newTestCA(tb testing.TB, name string) *testCA {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(tb, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(tb, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(tb, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

var testSerial atomic.Int64

// leaf issues a node's certificate: for 127.0.0.1 and the DNS names dns,
// valid for server and client authentication.
func (ca *testCA) leaf(tb testing.TB, dns ...string) tls.Certificate {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(tb, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(testSerial.Add(1) + 1),
		Subject:      pkix.Name{CommonName: "node"},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     dns,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	require.NoError(tb, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// config is the tls.Config of a node holding cert in the cluster of ca.
func (ca *testCA) config(cert tls.Certificate) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: ca.pool, ClientCAs: ca.pool}
}

// forced is the tls.Config of a node that presents cert whatever the other
// side asks for (Go's client otherwise sends no certificate that the
// server's CAs did not sign) and trusts pool.
func forced(cert tls.Certificate, pool *x509.CertPool) *tls.Config {
	return &tls.Config{
		GetCertificate:       func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return &cert, nil },
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil },
		RootCAs:              pool, ClientCAs: pool,
	}
}

// syncBuffer is a log destination that tests read while the logger writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tlsTransport is NewTLSTransport on 127.0.0.1 for tests: its log (warnings
// and errors) goes to log, or nowhere when log is nil. The transport is
// closed at the end of the test.
func tlsTransport(tb testing.TB, conf *tls.Config, timeout time.Duration, log io.Writer) *raft.NetworkTransport {
	tb.Helper()
	if log == nil {
		log = io.Discard
	}
	tr, err := NewTLSTransport("127.0.0.1:0", nil, conf, &raft.NetworkTransportConfig{
		MaxPool: 3, Timeout: timeout,
		Logger: hclog.New(&hclog.LoggerOptions{Output: log, Level: hclog.Warn}),
	})
	require.NoError(tb, err)
	tb.Cleanup(func() { closeTransport(tr) })
	return tr
}

func closeTransport(tr *raft.NetworkTransport) {
	tr.CloseStreams() // the connections it dialed
	tr.Close()
}

// dialStream is a raft.StreamLayer whose Dial is dial: a client that
// speaks raft's protocol over whatever dial returns.
type dialStream struct {
	net.Listener
	dial func(address string) (net.Conn, error)
}

func (d dialStream) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	return d.dial(string(address))
}

func dialTransport(tb testing.TB, dial func(address string) (net.Conn, error)) *raft.NetworkTransport {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	tr := raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream: dialStream{ln, dial}, MaxPool: 1, Timeout: 2 * time.Second, Logger: hclog.NewNullLogger(),
	})
	tb.Cleanup(func() { closeTransport(tr) })
	return tr
}

// netCluster is n nodes on network transports, bootstrapped.
type netCluster struct {
	nodes []*Node[int64, int64]
	trans []*raft.NetworkTransport
}

// newNetCluster opens n nodes with the raft configuration conf() and the
// transports newTransport(i) makes, and bootstraps them. They are closed
// at the end of the test.
func newNetCluster(tb testing.TB, n int, conf func() *raft.Config, newTransport func(i int) *raft.NetworkTransport) *netCluster {
	tb.Helper()
	c := &netCluster{}
	tb.Cleanup(func() {
		for _, n := range c.nodes {
			n.Close()
		}
		for _, tr := range c.trans {
			closeTransport(tr)
		}
	})
	var servers []raft.Server
	for i := range n {
		tr := newTransport(i)
		c.trans = append(c.trans, tr)
		id := raft.ServerID(fmt.Sprint("node", i))
		node, err := Open(Config[int64, int64]{
			ID: id, Transport: tr, Raft: conf(),
			Codec: fst.NumberCodec[int64](), Min: 0, Max: 1000,
		})
		require.NoError(tb, err)
		c.nodes = append(c.nodes, node)
		servers = append(servers, raft.Server{ID: id, Address: tr.LocalAddr()})
	}
	require.NoError(tb, c.nodes[0].Bootstrap(servers))
	return c
}

// leader waits for a leader and returns its index.
func (c *netCluster) leader(tb testing.TB) int {
	tb.Helper()
	for deadline := time.Now().Add(tlsWait); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for i, n := range c.nodes {
			if n.Raft().State() == raft.Leader {
				return i
			}
		}
	}
	tb.Fatal("no leader elected")
	return -1
}

func put(ctx context.Context, n *Node[int64, int64], k, v int64) (*flatseg.Snapshot[int64, int64], error) {
	return n.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
		_, err := tx.Insert(k, k+1, v)
		return err
	})
}

// steadyRaft is testRaftConfig with timeouts long enough that no election
// happens by chance, on a loaded machine and under the race detector,
// while a test writes to its leader or compares the leader's term before
// and after an RPC.
func steadyRaft() *raft.Config {
	c := testRaftConfig()
	c.HeartbeatTimeout = 300 * time.Millisecond
	c.ElectionTimeout = 300 * time.Millisecond
	c.LeaderLeaseTimeout = 150 * time.Millisecond
	return c
}

// TestNewTLSTransport_Cluster: three nodes on TLS transports elect a
// leader and replicate an Update to every store; closing a node closes its
// transport.
func TestNewTLSTransport_Cluster(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "cluster")
	c := newNetCluster(t, 3, steadyRaft, func(int) *raft.NetworkTransport {
		return tlsTransport(t, ca.config(ca.leaf(t)), 2*time.Second, nil)
	})
	ctx, cancel := context.WithTimeout(context.Background(), tlsWait)
	defer cancel()
	sn, err := put(ctx, c.nodes[c.leader(t)], 7, 42)
	require.NoError(t, err)
	for i, n := range c.nodes {
		local, err := n.Store().WaitFor(ctx, sn.Version())
		require.NoError(t, err, "node %d", i)
		seg, _ := local.Search(7)
		assert.Equal(t, int64(42), seg.Value, "node %d", i)
	}
	// Node.Close shuts raft down, which closes the transport.
	addr := string(c.trans[0].LocalAddr())
	require.NoError(t, c.nodes[0].Close())
	_, err = net.DialTimeout("tcp", addr, time.Second)
	assert.Error(t, err, "nothing listens on a closed node's port")
}

// raftState is what a node's raft would change if a forged RPC reached it.
func raftState(n *Node[int64, int64]) string {
	s := n.Raft().Stats()
	return fmt.Sprintf("state=%s term=%s last_log=%s/%s commit=%s applied=%s version=%d",
		s["state"], s["term"], s["last_log_index"], s["last_log_term"], s["commit_index"], s["applied_index"],
		n.Store().Snapshot().Version())
}

// TestNewTLSTransport_RefusesStrangers: a node whose certificate another
// CA signed (and presented whatever it is asked), a TLS client without a
// certificate, a TLS 1.2 client and a plain TCP client (raft's own
// TCP transport) each send the leader AppendEntries, RequestVote and
// InstallSnapshot with a newer term. Every RPC fails, the leader logs the
// refused handshake, and its raft state (term, log, commit) and store do
// not change. The control: a transport the cluster's CA certified, from
// outside the configuration, delivers the same AppendEntries, and the
// leader steps down to its term; so the checks above can fail.
func TestNewTLSTransport_RefusesStrangers(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "cluster")
	rogueCA := newTestCA(t, "cluster") // the same name as the cluster's CA
	both := x509.NewCertPool()
	both.AddCert(ca.cert)
	both.AddCert(rogueCA.cert)
	logs := make([]*syncBuffer, 3)
	c := newNetCluster(t, 3, steadyRaft, func(i int) *raft.NetworkTransport {
		logs[i] = new(syncBuffer)
		return tlsTransport(t, ca.config(ca.leaf(t)), 2*time.Second, logs[i])
	})
	ctx, cancel := context.WithTimeout(context.Background(), tlsWait)
	defer cancel()
	li := c.leader(t)
	leader := c.nodes[li]
	_, err := put(ctx, leader, 1, 1)
	require.NoError(t, err)
	id, target := raft.ServerID(fmt.Sprint("node", li)), c.trans[li].LocalAddr()
	cf := leader.Raft().GetConfiguration()
	require.NoError(t, cf.Error())
	configuration := raft.EncodeConfiguration(cf.Configuration())
	header := raft.RPCHeader{ProtocolVersion: raft.ProtocolVersionMax, ID: []byte("intruder"), Addr: []byte("127.0.0.1:1")}
	// forge returns the leader's state and RPCs that would change it if
	// delivered: a newer term, and an entry after its last one.
	forge := func(t *testing.T) (string, *raft.AppendEntriesRequest, *raft.RequestVoteRequest, *raft.InstallSnapshotRequest) {
		before := raftState(leader)
		stats := leader.Raft().Stats()
		var term, last, lastTerm uint64
		_, err := fmt.Sscan(stats["term"]+" "+stats["last_log_index"]+" "+stats["last_log_term"], &term, &last, &lastTerm)
		require.NoError(t, err)
		return before, &raft.AppendEntriesRequest{
				RPCHeader: header, Term: term + 1, PrevLogEntry: last, PrevLogTerm: lastTerm,
				Entries: []*raft.Log{{Index: last + 1, Term: term + 1, Type: raft.LogNoop}},
			}, &raft.RequestVoteRequest{
				RPCHeader: header, Term: term + 1, LastLogIndex: last + 1, LastLogTerm: term + 1,
			}, &raft.InstallSnapshotRequest{
				RPCHeader: header, SnapshotVersion: raft.SnapshotVersionMax, Term: term + 1,
				LastLogIndex: last + 100, LastLogTerm: term + 1, Size: 4,
				Configuration: configuration, ConfigurationIndex: last + 100,
			}
	}
	for _, tc := range []struct {
		name    string
		client  func(t *testing.T) *raft.NetworkTransport
		refusal string // in the leader's log
	}{{
		name: "rogue CA",
		client: func(t *testing.T) *raft.NetworkTransport {
			return tlsTransport(t, forced(rogueCA.leaf(t), both), 2*time.Second, nil)
		},
		refusal: "certificate signed by unknown authority",
	}, {
		name: "no certificate",
		client: func(t *testing.T) *raft.NetworkTransport {
			return dialTransport(t, func(address string) (net.Conn, error) {
				return tls.Dial("tcp", address, &tls.Config{RootCAs: ca.pool})
			})
		},
		refusal: "didn't provide a certificate",
	}, {
		name: "TLS 1.2",
		client: func(t *testing.T) *raft.NetworkTransport {
			conf := ca.config(ca.leaf(t))
			conf.MaxVersion = tls.VersionTLS12
			return dialTransport(t, func(address string) (net.Conn, error) { return tls.Dial("tcp", address, conf) })
		},
		refusal: "unsupported versions",
	}, {
		name: "plain TCP",
		client: func(t *testing.T) *raft.NetworkTransport {
			tr, err := raft.NewTCPTransportWithLogger("127.0.0.1:0", nil, 1, 2*time.Second, hclog.NewNullLogger())
			require.NoError(t, err)
			t.Cleanup(func() { closeTransport(tr) })
			return tr
		},
		refusal: "does not look like a TLS handshake",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			tr := tc.client(t)
			logged := len(logs[li].String())
			before, ae, rv, is := forge(t)
			var resp raft.AppendEntriesResponse
			assert.Error(t, tr.AppendEntries(id, target, ae, &resp), "AppendEntries")
			assert.False(t, resp.Success)
			assert.Error(t, tr.RequestVote(id, target, rv, new(raft.RequestVoteResponse)), "RequestVote")
			assert.Error(t, tr.InstallSnapshot(id, target, is, new(raft.InstallSnapshotResponse), strings.NewReader("junk")), "InstallSnapshot")
			assert.Equal(t, before, raftState(leader), "the leader's raft state and store")
			assert.Eventually(t, func() bool {
				return strings.Contains(logs[li].String()[logged:], tc.refusal)
			}, tlsWait, 5*time.Millisecond, "the leader logs the refusal: %q", tc.refusal)
		})
	}
	if t.Failed() {
		t.Logf("leader's log:\n%s", logs[li])
	}
	t.Run("cluster CA", func(t *testing.T) {
		before, ae, _, _ := forge(t)
		var resp raft.AppendEntriesResponse
		require.NoError(t, tlsTransport(t, ca.config(ca.leaf(t)), 2*time.Second, nil).AppendEntries(id, target, ae, &resp))
		assert.True(t, resp.Success, "the forged entry was appended")
		assert.Equal(t, ae.Term, resp.Term)
		assert.NotEqual(t, before, raftState(leader))
	})
}

// TestNewTLSTransport_Join: a node the cluster's CA certified joins with
// AddVoter and receives the store; a node whose certificate another CA
// signed, added the same way, never receives an entry (the leader refuses
// its certificate when it dials it) and its store stays at version 0.
func TestNewTLSTransport_Join(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "cluster")
	rogueCA := newTestCA(t, "cluster")
	both := x509.NewCertPool()
	both.AddCert(ca.cert)
	both.AddCert(rogueCA.cert)
	c := newNetCluster(t, 3, steadyRaft, func(int) *raft.NetworkTransport {
		return tlsTransport(t, ca.config(ca.leaf(t)), 2*time.Second, nil)
	})
	ctx, cancel := context.WithTimeout(context.Background(), tlsWait)
	defer cancel()
	leader := c.nodes[c.leader(t)]
	_, err := put(ctx, leader, 1, 1)
	require.NoError(t, err)

	join := func(name string, conf *tls.Config, log io.Writer) *Node[int64, int64] {
		tr := tlsTransport(t, conf, 2*time.Second, log)
		n, err := Open(Config[int64, int64]{
			ID: raft.ServerID(name), Transport: tr, Raft: steadyRaft(),
			Codec: fst.NumberCodec[int64](), Min: 0, Max: 1000,
		})
		require.NoError(t, err)
		t.Cleanup(func() { n.Close() })
		// With three reachable voters of four, the change commits whether
		// or not the new one is reachable.
		require.NoError(t, leader.Raft().AddVoter(raft.ServerID(name), tr.LocalAddr(), 0, tlsWait).Error())
		return n
	}
	rogueLog := new(syncBuffer)
	rogue := join("rogue", forced(rogueCA.leaf(t), both), rogueLog)
	member := join("member", ca.config(ca.leaf(t)), nil)

	sn, err := put(ctx, leader, 2, 2)
	require.NoError(t, err)
	local, err := member.Store().WaitFor(ctx, sn.Version())
	require.NoError(t, err, "the member catches up")
	seg, _ := local.Search(2)
	assert.Equal(t, int64(2), seg.Value)
	// The leader has been dialing the rogue since AddVoter returned; the
	// rogue's log shows the leader refusing its certificate.
	assert.Eventually(t, func() bool { return strings.Contains(rogueLog.String(), "bad certificate") }, tlsWait, 5*time.Millisecond,
		"the leader refuses the rogue's certificate")
	time.Sleep(200 * time.Millisecond) // a few more heartbeats and retries
	assert.Zero(t, rogue.Store().Snapshot().Version(), "the rogue's store")
	assert.Zero(t, rogue.Raft().LastIndex(), "the rogue's log")
}

// serve answers, until the end of the test, every AppendEntries that tr
// delivers, and returns the count of those delivered.
func serve(t *testing.T, tr *raft.NetworkTransport) *atomic.Int64 {
	var n atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case rpc := <-tr.Consumer():
				n.Add(1)
				rpc.Respond(&raft.AppendEntriesResponse{Success: true}, nil)
			case <-done:
				return
			}
		}
	})
	t.Cleanup(func() { close(done); wg.Wait() })
	return &n
}

func heartbeat(from, to *raft.NetworkTransport) error {
	var resp raft.AppendEntriesResponse
	return from.AppendEntries("peer", to.LocalAddr(), &raft.AppendEntriesRequest{
		RPCHeader: raft.RPCHeader{ProtocolVersion: raft.ProtocolVersionMax}, Term: 1,
	}, &resp)
}

// TestNewTLSTransport_Identity: who is a peer, between two bare
// transports: the chain against the cluster's CA on either side, the
// ServerName on either side when set, and the caller's own callbacks after
// those. A side whose certificate the rogue CA signed trusts both CAs, so
// that only the other side's check can refuse it.
func TestNewTLSTransport_Identity(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "cluster")
	rogueCA := newTestCA(t, "cluster")
	both := x509.NewCertPool()
	both.AddCert(ca.cert)
	both.AddCert(rogueCA.cert)
	const name = "raft.flatseg.test"
	conf := func(t *testing.T, signer *testCA, serverName string, dns ...string) *tls.Config {
		c := forced(signer.leaf(t, dns...), ca.pool)
		if signer == rogueCA {
			c.RootCAs, c.ClientCAs = both, both
		}
		c.ServerName = serverName
		return c
	}
	for _, tc := range []struct {
		name           string
		server, client func(t *testing.T) *tls.Config
		want           bool
	}{{
		name:   "the cluster's CA",
		server: func(t *testing.T) *tls.Config { return conf(t, ca, "") },
		client: func(t *testing.T) *tls.Config { return conf(t, ca, "") },
		want:   true,
	}, {
		name:   "server from another CA",
		server: func(t *testing.T) *tls.Config { return conf(t, rogueCA, "") },
		client: func(t *testing.T) *tls.Config { return conf(t, ca, "") },
	}, {
		name:   "client from another CA",
		server: func(t *testing.T) *tls.Config { return conf(t, ca, "") },
		client: func(t *testing.T) *tls.Config { return conf(t, rogueCA, "") },
	}, {
		name:   "ServerName, both named",
		server: func(t *testing.T) *tls.Config { return conf(t, ca, name, name) },
		client: func(t *testing.T) *tls.Config { return conf(t, ca, name, name) },
		want:   true,
	}, {
		name:   "ServerName, server not named",
		server: func(t *testing.T) *tls.Config { return conf(t, ca, name) },
		client: func(t *testing.T) *tls.Config { return conf(t, ca, name, name) },
	}, {
		name:   "ServerName, client not named",
		server: func(t *testing.T) *tls.Config { return conf(t, ca, name, name) },
		client: func(t *testing.T) *tls.Config { return conf(t, ca, name) },
	}, {
		name:   "the client's VerifyPeerCertificate gets the verified chains",
		server: func(t *testing.T) *tls.Config { return conf(t, ca, "") },
		client: func(t *testing.T) *tls.Config {
			c := conf(t, ca, "")
			c.VerifyPeerCertificate = func(_ [][]byte, chains [][]*x509.Certificate) error {
				if len(chains) == 0 || chains[0][len(chains[0])-1] != ca.cert {
					return errors.New("called without the verified chains")
				}
				return nil
			}
			return c
		},
		want: true,
	}, {
		name: "the server's VerifyConnection refuses",
		server: func(t *testing.T) *tls.Config {
			c := conf(t, ca, "")
			c.VerifyConnection = func(tls.ConnectionState) error { return errors.New("refused by the caller") }
			return c
		},
		client: func(t *testing.T) *tls.Config { return conf(t, ca, "") },
	}} {
		t.Run(tc.name, func(t *testing.T) {
			server := tlsTransport(t, tc.server(t), 2*time.Second, nil)
			delivered := serve(t, server)
			err := heartbeat(tlsTransport(t, tc.client(t), 2*time.Second, nil), server)
			if tc.want {
				require.NoError(t, err)
				assert.Equal(t, int64(1), delivered.Load())
			} else {
				require.Error(t, err)
				assert.Zero(t, delivered.Load(), "no RPC delivered")
			}
		})
	}
}

// TestNewTLSTransport_SlowClients: clients that connect and send nothing,
// or half a record, neither delay a peer's RPC (the handshakes run beside
// raft's accept loop) nor hold their connection past the timeout.
func TestNewTLSTransport_SlowClients(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "cluster")
	const timeout = time.Second
	server := tlsTransport(t, ca.config(ca.leaf(t)), timeout, nil)
	delivered := serve(t, server)
	var slow []net.Conn
	for i := range 8 {
		c, err := net.Dial("tcp", string(server.LocalAddr()))
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		if i%2 == 1 {
			_, err = c.Write([]byte{0x16, 0x03}) // the start of a handshake record
			require.NoError(t, err)
		}
		slow = append(slow, c)
	}
	opened := time.Now()
	time.Sleep(50 * time.Millisecond) // the slow ones are accepted first

	t0 := time.Now()
	require.NoError(t, heartbeat(tlsTransport(t, ca.config(ca.leaf(t)), timeout, nil), server))
	assert.Less(t, time.Since(t0), timeout/2, "a peer's RPC waits for no slow handshake")
	assert.Equal(t, int64(1), delivered.Load())

	for i, c := range slow {
		require.NoError(t, c.SetReadDeadline(time.Now().Add(tlsWait)))
		_, err := io.ReadAll(c)
		var ne net.Error
		assert.False(t, errors.As(err, &ne) && ne.Timeout(), "slow client %d: the server closes the connection (%v)", i, err)
	}
	assert.Less(t, time.Since(opened), timeout+time.Second, "closed after about the timeout")
}

// TestNewTLSTransport_Close: Close interrupts the handshakes under way and
// ends the connections it accepted; no goroutine of the transport (nor of
// raft's handlers) survives it.
func TestNewTLSTransport_Close(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	ca := newTestCA(t, "cluster")
	server, err := NewTLSTransport("127.0.0.1:0", nil, ca.config(ca.leaf(t)), &raft.NetworkTransportConfig{
		MaxPool: 1, Timeout: time.Minute, Logger: hclog.NewNullLogger(),
	})
	require.NoError(t, err)
	client, err := NewTLSTransport("127.0.0.1:0", nil, ca.config(ca.leaf(t)), &raft.NetworkTransportConfig{
		MaxPool: 1, Timeout: time.Minute, Logger: hclog.NewNullLogger(),
	})
	require.NoError(t, err)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case rpc := <-server.Consumer():
			rpc.Respond(&raft.AppendEntriesResponse{Success: true}, nil)
		case <-done:
		}
	})
	require.NoError(t, heartbeat(client, server)) // an accepted connection, in raft's handler, and one in client's pool
	wg.Wait()
	peer, err := tls.Dial("tcp", string(server.LocalAddr()), ca.config(ca.leaf(t)))
	require.NoError(t, err)
	defer peer.Close()
	silent, err := net.Dial("tcp", string(server.LocalAddr()))
	require.NoError(t, err)
	defer silent.Close()
	time.Sleep(50 * time.Millisecond) // peer is in raft's handler, silent's handshake under way

	t0 := time.Now()
	require.NoError(t, server.Close())
	for what, c := range map[string]net.Conn{"an accepted connection": peer, "a handshake under way": silent} {
		require.NoError(t, c.SetReadDeadline(time.Now().Add(tlsWait)))
		_, err = io.ReadAll(c)
		assert.NoError(t, err, "%s ends with Close, not with its timeout (a minute)", what)
	}
	assert.Less(t, time.Since(t0), tlsWait/2)
	assert.Error(t, heartbeat(client, server), "the pooled connection was closed")
	closeTransport(client)
	close(done)
	goleak.VerifyNone(t, ignore)
}

// TestNewTLSTransport_Config: what NewTLSTransport refuses (ErrConfig)
// before it listens, and that it never writes to the caller's tls.Config.
func TestNewTLSTransport_Config(t *testing.T) {
	ca := newTestCA(t, "cluster")
	cert := ca.leaf(t)
	valid := func() *tls.Config { return ca.config(cert) }
	for _, tc := range []struct {
		name      string
		bind      string
		advertise net.Addr
		conf      func() *tls.Config
	}{
		{name: "nil config", conf: func() *tls.Config { return nil }},
		{name: "no certificate", conf: func() *tls.Config { c := valid(); c.Certificates = nil; return c }},
		{name: "GetCertificate alone", conf: func() *tls.Config {
			c := valid()
			c.Certificates = nil
			c.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return &cert, nil }
			return c
		}},
		{name: "no RootCAs", conf: func() *tls.Config { c := valid(); c.RootCAs = nil; return c }},
		{name: "no ClientCAs", conf: func() *tls.Config { c := valid(); c.ClientCAs = nil; return c }},
		{name: "InsecureSkipVerify", conf: func() *tls.Config { c := valid(); c.InsecureSkipVerify = true; return c }},
		{name: "GetConfigForClient", conf: func() *tls.Config {
			c := valid()
			c.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) { return nil, nil }
			return c
		}},
		{name: "MaxVersion TLS 1.2", conf: func() *tls.Config { c := valid(); c.MaxVersion = tls.VersionTLS12; return c }},
		{name: "unspecified advertise", advertise: &net.TCPAddr{IP: net.IPv4zero, Port: 7000}, conf: valid},
		{name: "advertise not TCP", advertise: &net.UnixAddr{Name: "/tmp/raft", Net: "unix"}, conf: valid},
		{name: "unspecified bind", bind: "0.0.0.0:0", conf: valid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bind := tc.bind
			if bind == "" {
				bind = "127.0.0.1:0"
			}
			tr, err := NewTLSTransport(bind, tc.advertise, tc.conf(), nil)
			require.ErrorIs(t, err, ErrConfig)
			assert.Nil(t, tr)
		})
	}

	t.Run("bind in use", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		_, err = NewTLSTransport(ln.Addr().String(), nil, valid(), nil)
		require.Error(t, err)
	})

	t.Run("advertise", func(t *testing.T) {
		adv := &net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 7000}
		tr, err := NewTLSTransport("0.0.0.0:0", adv, valid(), &raft.NetworkTransportConfig{MaxPool: 1, Timeout: time.Second, Logger: hclog.NewNullLogger()})
		require.NoError(t, err)
		defer closeTransport(tr)
		assert.Equal(t, raft.ServerAddress("10.1.2.3:7000"), tr.LocalAddr())
	})

	t.Run("caller's config untouched", func(t *testing.T) {
		conf := valid()
		nc := &raft.NetworkTransportConfig{MaxPool: 1, Timeout: time.Second, Logger: hclog.NewNullLogger()}
		tr, err := NewTLSTransport("127.0.0.1:0", nil, conf, nc)
		require.NoError(t, err)
		defer closeTransport(tr)
		assert.Zero(t, conf.MinVersion)
		assert.Equal(t, tls.NoClientCert, conf.ClientAuth)
		assert.False(t, conf.InsecureSkipVerify)
		assert.Nil(t, conf.VerifyConnection)
		assert.Nil(t, nc.Stream, "the NetworkTransportConfig is copied")
	})
}
