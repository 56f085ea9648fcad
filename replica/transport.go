package replica

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// defaultTimeout is the I/O deadline of a NewTLSTransport given no
// NetworkTransportConfig, and the bound on a handshake when the config's
// Timeout is 0.
const defaultTimeout = 10 * time.Second

// NewTLSTransport returns raft's NetworkTransport over mutually
// authenticated TLS 1.3, listening on bind (host:port; port 0 picks one):
// the transport for production. Only a node holding a certificate that the
// cluster's CA signed can send it a raft RPC or receive one from it; plain
// TCP, a client without a certificate, one whose certificate another CA
// signed and one that offers no TLS 1.3 are refused before raft reads a
// byte. raft.NewTCPTransport, by contrast, lets whoever reaches the port
// send AppendEntries and overwrite the state.
//
// conf is the node's: its Certificates (or, to rotate them, both
// GetCertificate and GetClientCertificate), valid for both server and
// client authentication, since every node both listens and dials; RootCAs
// and ClientCAs, the cluster's CA, that verify the nodes it dials and the
// nodes that dial it. A nil conf, a missing one of these, InsecureSkipVerify,
// GetConfigForClient (which could undo the client verification) or a
// MaxVersion below TLS 1.3 is an error wrapping [ErrConfig]. NewTLSTransport
// clones conf and never writes to it; the clones require TLS 1.3 and client
// certificates (tls.RequireAndVerifyClientCert) whatever conf says.
// VerifyPeerCertificate and VerifyConnection, when set, run after the
// transport's own checks.
//
// # Identity
//
// The cluster's CA is the cluster's identity. raft dials the addresses of
// its configuration, IP:port pairs that change as nodes move, so the
// dialing side verifies the chain of the node it reached against RootCAs
// (with the server-authentication usage) without matching the address to
// a name in the certificate, and the listening side verifies the dialer's
// chain against ClientCAs; any certificate the CA signed is a peer. Give
// the cluster a CA of its own. When conf.ServerName is set, both sides
// also require the peer's certificate to be valid for that name (as
// Consul's verify_server_hostname checks server.<datacenter>.<domain>):
// then a CA shared with other roles may sign certificates that are not
// peers, and only those carrying the name are.
//
// # Handshakes
//
// Every handshake completes, or fails, before raft reads or writes a byte
// of the connection. Dial completes it, within raft's timeout, before it
// returns. Under TLS 1.3 a client finishes its handshake before the server
// has checked the client's certificate, so a node that the others refuse
// learns it from its first RPC, which fails.
//
// On the listening side a goroutine per accepted TCP connection runs the
// handshake, bounded by the timeout and interrupted by Close, and Accept
// hands raft only connections whose handshake succeeded. A handshake run
// inside Accept itself would let one client that connects and sends
// nothing stall raft's accept loop, which calls Accept one connection at a
// time, for the whole timeout; one left to the first Read, in the
// goroutine raft starts per connection, would let every unauthenticated
// client into raft's handler, which allocates a 256 KiB read buffer for it
// and logs its garbage as raft errors. Here a silent or slow client costs
// one goroutine for at most the timeout and delays no other connection. A
// refused handshake is logged at warning level on nc's Logger.
//
// A handshake costs each side an ECDHE exchange and a signature or two;
// raft pools the connections it dials (nc.MaxPool), so it is paid per
// connection, not per RPC, and AES-GCM or ChaCha20-Poly1305 then runs over
// every byte.
//
// # Configuration and lifetime
//
// nc configures raft's NetworkTransport (MaxPool, Timeout, Logger,
// MaxRPCsInFlight, ServerAddressProvider); NewTLSTransport copies it and
// sets its Stream. A nil nc means MaxPool 3, Timeout 10 s and raft's
// default logger; a nil Logger, raft's default logger. Timeout is raft's
// I/O deadline and bounds every handshake (10 s when it is 0). Every
// pooled connection saves a handshake: keep MaxPool above 0.
//
// advertise is the address the other nodes dial, the address to list in
// [Node.Bootstrap]'s servers (the transport's LocalAddr); nil means the
// listener's. As with raft.NewTCPTransport, an address that is not TCP, or
// whose IP is unspecified (bind "0.0.0.0:7000" with a nil advertise), is
// an error wrapping [ErrConfig]; a bind that cannot listen returns the
// listener's error.
//
// The transport is safe for concurrent use, as raft uses it. Close (which
// raft's Shutdown, and so [Node.Close], calls) stops listening, interrupts
// the handshakes under way, ends every connection the transport accepted
// and returns once its goroutines have; connections it dialed stay in
// raft's pool until CloseStreams.
func NewTLSTransport(bind string, advertise net.Addr, conf *tls.Config, nc *raft.NetworkTransportConfig) (*raft.NetworkTransport, error) {
	server, client, err := tlsConfigs(conf)
	if err != nil {
		return nil, err
	}
	c := raft.NetworkTransportConfig{MaxPool: 3, Timeout: defaultTimeout}
	if nc != nil {
		c = *nc
	}
	if c.Logger == nil {
		c.Logger = hclog.New(&hclog.LoggerOptions{Name: "raft-net", Output: hclog.DefaultOutput, Level: hclog.DefaultLevel})
	}
	if advertise != nil {
		if err := advertisable(advertise); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", bind)
	if err != nil {
		return nil, fmt.Errorf("replica: TLS transport: %w", err)
	}
	if advertise == nil {
		if err := advertisable(ln.Addr()); err != nil {
			ln.Close()
			return nil, err
		}
	}
	handshake := c.Timeout
	if handshake <= 0 {
		handshake = defaultTimeout
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &tlsStream{
		ln: ln, advertise: advertise, server: server, client: client,
		timeout: handshake, logger: c.Logger,
		ctx: ctx, cancel: cancel,
		ready: make(chan net.Conn), errs: make(chan error),
		conns: make(map[*tlsConn]struct{}),
	}
	s.wg.Go(s.acceptLoop)
	c.Stream = s
	return raft.NewNetworkTransportWithConfig(&c), nil
}

// tlsConfigs checks conf and returns the listening and the dialing side's
// clones of it.
func tlsConfigs(conf *tls.Config) (server, client *tls.Config, err error) {
	switch {
	case conf == nil:
		return nil, nil, fmt.Errorf("%w: TLS transport: no tls.Config", ErrConfig)
	case len(conf.Certificates) == 0 && (conf.GetCertificate == nil || conf.GetClientCertificate == nil):
		return nil, nil, fmt.Errorf("%w: TLS transport: no Certificates (nor both GetCertificate and GetClientCertificate)", ErrConfig)
	case conf.RootCAs == nil:
		return nil, nil, fmt.Errorf("%w: TLS transport: no RootCAs to verify the nodes it dials", ErrConfig)
	case conf.ClientCAs == nil:
		return nil, nil, fmt.Errorf("%w: TLS transport: no ClientCAs to verify the nodes that dial it", ErrConfig)
	case conf.InsecureSkipVerify:
		return nil, nil, fmt.Errorf("%w: TLS transport: InsecureSkipVerify is set", ErrConfig)
	case conf.GetConfigForClient != nil:
		return nil, nil, fmt.Errorf("%w: TLS transport: GetConfigForClient is set", ErrConfig)
	case conf.MaxVersion != 0 && conf.MaxVersion < tls.VersionTLS13:
		return nil, nil, fmt.Errorf("%w: TLS transport: MaxVersion %s is below TLS 1.3", ErrConfig, tls.VersionName(conf.MaxVersion))
	}
	name, roots, now := conf.ServerName, conf.RootCAs, conf.Time
	verifyPeer, verifyConn := conf.VerifyPeerCertificate, conf.VerifyConnection
	// callerChecks runs conf's own callbacks, after the transport's checks.
	callerChecks := func(cs tls.ConnectionState, chains [][]*x509.Certificate) error {
		if verifyPeer != nil {
			raw := make([][]byte, len(cs.PeerCertificates))
			for i, c := range cs.PeerCertificates {
				raw[i] = c.Raw
			}
			if err := verifyPeer(raw, chains); err != nil {
				return err
			}
		}
		if verifyConn != nil {
			return verifyConn(cs)
		}
		return nil
	}

	server = conf.Clone()
	server.MinVersion = tls.VersionTLS13
	server.ClientAuth = tls.RequireAndVerifyClientCert // the chain, against ClientCAs
	server.VerifyPeerCertificate = nil                 // run by callerChecks
	server.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("replica: the client sent no certificate")
		}
		if name != "" {
			if err := cs.PeerCertificates[0].VerifyHostname(name); err != nil {
				return err
			}
		}
		return callerChecks(cs, cs.VerifiedChains)
	}

	client = conf.Clone()
	client.MinVersion = tls.VersionTLS13
	// The chain is verified below, against RootCAs, and the address raft
	// dialed is not matched to a name (see Identity): Go's verification
	// would match it, so it is replaced, not skipped.
	client.InsecureSkipVerify = true
	client.VerifyPeerCertificate = nil
	client.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("replica: the server sent no certificate")
		}
		opts := x509.VerifyOptions{
			Roots:         roots,
			Intermediates: x509.NewCertPool(),
			DNSName:       name, // "" matches no name
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		if now != nil {
			opts.CurrentTime = now()
		}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		chains, err := cs.PeerCertificates[0].Verify(opts)
		if err != nil {
			return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
		}
		return callerChecks(cs, chains)
	}
	return server, client, nil
}

// advertisable returns an error wrapping ErrConfig unless other nodes can
// dial addr: raft.NewTCPTransport's check.
func advertisable(addr net.Addr) error {
	a, ok := addr.(*net.TCPAddr)
	if !ok {
		return fmt.Errorf("%w: TLS transport: address %v is not a TCP address", ErrConfig, addr)
	}
	if a.IP == nil || a.IP.IsUnspecified() {
		return fmt.Errorf("%w: TLS transport: address %v is not advertisable: give an advertise address", ErrConfig, addr)
	}
	return nil
}

// tlsStream is the raft.StreamLayer of NewTLSTransport. acceptLoop takes
// the listener's connections and starts a handshake for each; Accept
// returns those whose handshake succeeded, one at a time, as raft's accept
// loop asks for them.
type tlsStream struct {
	ln        net.Listener
	advertise net.Addr // nil: ln's address
	server    *tls.Config
	client    *tls.Config
	timeout   time.Duration // bounds each handshake
	logger    hclog.Logger

	ctx    context.Context // ends at Close, interrupting the handshakes
	cancel context.CancelFunc
	ready  chan net.Conn  // handshaken connections, for Accept
	errs   chan error     // the listener's errors but its closing, for Accept
	wg     sync.WaitGroup // acceptLoop and the handshakes

	mu      sync.Mutex
	conns   map[*tlsConn]struct{} // accepted and open; nil once closed
	closing sync.Once
}

// tlsConn is an accepted connection: its Close forgets it, and a Read that
// fails because the transport was closed reads io.EOF, so that raft ends
// its handler quietly.
type tlsConn struct {
	*tls.Conn
	raw net.Conn
	s   *tlsStream
}

func (c *tlsConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil && c.s.ctx.Err() != nil {
		err = io.EOF
	}
	return n, err
}

func (c *tlsConn) Close() error {
	c.s.mu.Lock()
	delete(c.s.conns, c)
	c.s.mu.Unlock()
	return c.Conn.Close()
}

func (s *tlsStream) acceptLoop() {
	for {
		raw, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select { // raft's accept loop logs it and backs off
			case s.errs <- err:
				continue
			case <-s.ctx.Done():
				return
			}
		}
		s.wg.Go(func() { s.handshake(raw) })
	}
}

// handshake authenticates raw's peer and hands the connection to Accept,
// or closes it.
func (s *tlsStream) handshake(raw net.Conn) {
	ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
	defer cancel()
	tc := tls.Server(raw, s.server)
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		if s.ctx.Err() == nil {
			s.logger.Warn("refused a connection: TLS handshake failed", "remote-address", raw.RemoteAddr().String(), "error", err)
		}
		return
	}
	c := &tlsConn{Conn: tc, raw: raw, s: s}
	s.mu.Lock()
	open := s.conns != nil
	if open {
		s.conns[c] = struct{}{}
	}
	s.mu.Unlock()
	if !open {
		raw.Close()
		return
	}
	select {
	case s.ready <- c:
	case <-s.ctx.Done(): // Close closes it
	}
}

// Accept returns the next connection whose peer the handshake
// authenticated.
func (s *tlsStream) Accept() (net.Conn, error) {
	select {
	case c := <-s.ready:
		return c, nil
	case err := <-s.errs:
		return nil, err
	case <-s.ctx.Done():
		return nil, net.ErrClosed
	}
}

// Dial returns a connection to address whose handshake, within timeout,
// verified the server.
func (s *tlsStream) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	if timeout <= 0 {
		timeout = s.timeout
	}
	ctx, cancel := context.WithTimeout(s.ctx, timeout)
	defer cancel()
	d := tls.Dialer{Config: s.client}
	return d.DialContext(ctx, "tcp", string(address))
}

// Close stops listening, interrupts the handshakes, closes the accepted
// connections and waits for the stream's goroutines.
func (s *tlsStream) Close() error {
	err := net.ErrClosed
	s.closing.Do(func() {
		s.cancel()
		err = s.ln.Close()
		s.mu.Lock()
		conns := s.conns
		s.conns = nil
		s.mu.Unlock()
		for c := range conns {
			c.raw.Close() // not c.Close: no close_notify to a peer that may not read
		}
		s.wg.Wait()
	})
	return err
}

// Addr returns the advertised address.
func (s *tlsStream) Addr() net.Addr {
	if s.advertise != nil {
		return s.advertise
	}
	return s.ln.Addr()
}
