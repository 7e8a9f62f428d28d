using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Daemon;

/// <summary>The peer behind an installed SA, as the data path's policy sees it. Immutable.</summary>
/// <param name="PeerName">The configured peer's name (<c>peers[].name</c>), for logs.</param>
/// <param name="Identity">The authenticated identity (null for a PSK peer: no x509 group can hold it).</param>
/// <param name="Grant">The identity's groups under the enforced snapshot, or null without an identity.</param>
internal sealed record SaPeer(string PeerName, PeerIdentity? Identity, PeerGrant? Grant);
