using System.Net;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Ike.Config;

/// <summary>
/// A pool over one prefix (IPv4 or IPv6): the network address and, for IPv4, the broadcast address are never given
/// out; at most 65,536 addresses are used. A peer that comes back (same subject, or same first SAN) while its lease is
/// held gets the same address. Thread-safe.
/// </summary>
public sealed class AddressPool : IAddressPool
{
    private const int MaxSize = 65536;
    private readonly Lock _lock = new();
    private readonly IPAddress[] _addresses;
    private readonly Dictionary<IPAddress, string> _leases = [];

    /// <summary>A pool over <paramref name="prefix"/>.</summary>
    public AddressPool(IPNetwork prefix)
    {
        Prefix = prefix;
        byte[] first = prefix.BaseAddress.GetAddressBytes();
        int hostBits = (first.Length * 8) - prefix.PrefixLength;
        long size = hostBits >= 16 ? MaxSize : 1L << hostBits;
        var list = new List<IPAddress>();
        for (long i = 1; i < size; i++)
        {
            if (first.Length == 4 && i == size - 1 && hostBits < 16 && hostBits > 1)
            {
                break; // IPv4 broadcast
            }

            byte[] a = (byte[])first.Clone();
            long carry = i;
            for (int b = a.Length - 1; b >= 0 && carry > 0; b--)
            {
                long sum = a[b] + (carry & 0xff);
                a[b] = (byte)sum;
                carry = (carry >> 8) + (sum >> 8);
            }

            list.Add(new IPAddress(a));
        }

        _addresses = [.. list];
    }

    /// <summary>The prefix.</summary>
    public IPNetwork Prefix { get; }

    /// <summary>Addresses leased now.</summary>
    public int Leased
    {
        get
        {
            lock (_lock)
            {
                return _leases.Count;
            }
        }
    }

    /// <inheritdoc/>
    public IPAddress? Acquire(PeerIdentity peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        string owner = Owner(peer);
        lock (_lock)
        {
            foreach (KeyValuePair<IPAddress, string> lease in _leases)
            {
                if (lease.Value == owner)
                {
                    return lease.Key;
                }
            }

            foreach (IPAddress a in _addresses)
            {
                if (_leases.TryAdd(a, owner))
                {
                    return a;
                }
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public void Release(IPAddress address)
    {
        lock (_lock)
        {
            _leases.Remove(address);
        }
    }

    private static string Owner(PeerIdentity peer) => peer.SubjectDn.Length > 0 ? peer.SubjectDn
        : peer.DnsNames.Count > 0 ? peer.DnsNames[0] : peer.EmailAddresses.Count > 0 ? peer.EmailAddresses[0] : string.Empty;
}
