using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using IpsecFw.Tun;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// Routes the own addresses of peers with <c>protectPeerAddress</c> into the TUN device while the daemon's own IKE and
/// ESP datagrams to those very addresses keep leaving by the main table, wireguard's scheme (wg-quick): the sockets
/// carry a firewall mark (<c>SO_MARK</c> = <c>tun.fwmark</c>), the routes are in a table of their own
/// (<c>tun.routeTable</c>: <c>PEER/32 dev TUN src LOCAL</c>, LOCAL being this host's IKE address, so the inner
/// packets carry the two hosts' addresses, which are the CHILD_SA's selectors), and one rule per address family,
/// <c>not fwmark MARK lookup TABLE</c>, sends every unmarked packet to that table first (a destination the table does
/// not hold falls through to the main table). wg-quick's second rule (<c>suppress_prefixlength 0</c>) is not needed:
/// the table holds host routes only, never a default route.
/// <para>
/// <see cref="Install"/> first removes what a crashed daemon may have left (the same rule, the table's routes), so a
/// restart never stacks rules; <see cref="Remove"/> takes the rules out and empties the table (the routes would go with
/// the TUN device anyway). Control plane only: every step is an <c>ip</c> command.
/// </para>
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class HostAddressRouting(IpCommand ip, string device, int table, uint mark, ILogger log)
{
    private const int MaxLeftoverRules = 16;
    private readonly HashSet<string> _families = new(StringComparer.Ordinal);

    /// <summary>The table's number as <c>ip</c> takes it.</summary>
    private string Table => table.ToString(CultureInfo.InvariantCulture);

    /// <summary>The mark as <c>ip rule</c> takes it.</summary>
    private string Mark => mark.ToString(CultureInfo.InvariantCulture);

    /// <summary>Routes each peer address into the device, from <c>Source</c>, and adds the rules.</summary>
    /// <exception cref="TunException">An <c>ip</c> command failed.</exception>
    public void Install(IReadOnlyList<(IPAddress Peer, IPAddress Source)> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        foreach ((IPAddress peer, _) in peers)
        {
            _families.Add(Family(peer));
        }

        int leftovers = 0;
        foreach (string family in _families)
        {
            leftovers += DeleteRules(family);
            Flush(family);
        }

        if (leftovers > 0)
        {
            HostLog.HostRoutingLeftovers(log, leftovers, table);
        }

        foreach ((IPAddress peer, IPAddress source) in peers)
        {
            int bits = peer.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
            ip.Run(Family(peer), "route", "replace", $"{peer}/{bits.ToString(CultureInfo.InvariantCulture)}", "dev", device, "src", source.ToString(), "table", Table);
        }

        foreach (string family in _families)
        {
            ip.Run(family, "rule", "add", "not", "fwmark", Mark, "table", Table);
        }
    }

    /// <summary>Removes the rules and empties the table; failures are logged, not thrown (this runs at stop).</summary>
    public void Remove()
    {
        foreach (string family in _families)
        {
            try
            {
                DeleteRules(family);
                Flush(family);
            }
            catch (TunException e)
            {
                HostLog.HostRoutingRemoveFailed(log, e.Message);
            }
        }

        _families.Clear();
    }

    /// <summary>Empties the table; a table that does not exist (nothing was ever routed there, or the TUN device took its routes) is empty already.</summary>
    private void Flush(string family)
    {
        if (ip.Run(family, "route", "show", "table", "all").Contains(" table " + Table + " ", StringComparison.Ordinal))
        {
            ip.Run(family, "route", "flush", "table", Table);
        }
    }

    /// <summary>Deletes this table's rule as often as it is there (a crashed daemon's, or ours); returns how many.</summary>
    private int DeleteRules(string family)
    {
        int deleted = 0;
        while (deleted < MaxLeftoverRules)
        {
            try
            {
                ip.Run(family, "rule", "del", "not", "fwmark", Mark, "table", Table);
                deleted++;
            }
            catch (TunException)
            {
                break; // none left ("No such file or directory")
            }
        }

        return deleted;
    }

    private static string Family(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? "-6" : "-4";
}
