using System.Net;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Config;

namespace IpsecFw.Ike.Engine;

/// <summary>
/// One configured peer as a candidate for <see cref="ResponderIdentityChooser"/>: its configuration, the identity it
/// must claim (exactly, <paramref name="RemoteId"/>; or a DNS suffix such as <c>.example.com</c>,
/// <paramref name="RemoteIdSuffix"/>; neither: any identity the credentials accept) and its address, if it has one.
/// </summary>
/// <param name="Config">The configuration that answers the peer.</param>
/// <param name="RemoteId">The identity the peer must claim in IDi, compared as RFC 4945 3.1 compares IDs.</param>
/// <param name="RemoteIdSuffix">A DNS suffix with its leading dot that an FQDN IDi, or the CN of a DN IDi, must end with.</param>
/// <param name="Address">The peer's configured address, preferred among equal identity matches; null for a peer met anywhere.</param>
public sealed record ResponderCandidate(IkeSaConfig Config, LocalIdentity? RemoteId, string? RemoteIdSuffix, IPAddress? Address);
