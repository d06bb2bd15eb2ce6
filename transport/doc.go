// Package transport is every byte between two nodes beside serf's
// gossip: the peer API (reports, configurations, the live state a
// member asks for) and the data channel (the syncs: rsync and btrfs send
// streams; live migrations: a libvirtd-to-libvirtd connection, which the
// receiving node relays to its libvirtd, filtered, providers/containerkvm). Both travel in SSH (golang.org/x/crypto/ssh), on the peer
// port, and nothing else is served there.
//
// Why SSH rather than TLS 1.3: the data channel already was SSH, because
// rsync needs a remote shell (`om node ssh`), and one transport is one
// thing to get right. SSH authenticates and encrypts every packet and
// binds each to its session (sequence numbers under the MAC, keys from
// an ephemeral exchange with fresh randomness from both ends), so a
// recorded request or answer replayed to a node fails the handshake or
// the MAC: replays are refused by construction, not by a nonce of ours.
// No sshd runs and no authorized_keys file is written.
//
// Identities (identity.go, pins.go): each node makes its own ed25519
// key at first use and keeps it in its state directory. It proves its
// membership with an SSH certificate for that key, naming the node,
// signed by a cluster key every member derives from the cluster secret
// (HKDF-SHA256): a stranger without the secret can neither serve nor
// ask. It proves its identity with the key itself: each node pins the
// key of every other node at their first authenticated contact and
// refuses any other key for that name after that (as ssh's known_hosts
// does), so one member cannot speak as another. Both ends check the
// other: a client names the node it means to reach, and the host's
// certificate and pinned key must be that node's.
//
// A data command is an argv (JSON in the exec request, never a shell
// line), which the server's Authorize accepts or refuses before it
// runs, and maps to the command that serves it. A peer API request is
// HTTP in a channel of its own ("peer-api@omhcl"), one channel per SSH
// connection, so concurrent requests never queue behind one another's
// lost packets; Server.API hands those channels to an HTTP server, which
// learns the authenticated node with Peer.
package transport
