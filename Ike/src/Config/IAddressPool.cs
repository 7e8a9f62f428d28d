using System.Net;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Ike.Config;

/// <summary>Inside addresses a gateway hands to its peers by CP (RFC 7296 2.19, 3.15).</summary>
public interface IAddressPool
{
    /// <summary>An address for <paramref name="peer"/> (the same one again while it holds a lease), or null when the pool is empty.</summary>
    IPAddress? Acquire(PeerIdentity peer);

    /// <summary>Gives the address back.</summary>
    void Release(IPAddress address);
}
