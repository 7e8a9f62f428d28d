using IpsecFw.Esp.Sa;
using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Sa;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// Passes CHILD_SAs on to the ESP installer and tells the data path's filter who is behind them: when a pair is
/// installed its two SPIs are bound to the IKE SA's peer (name and authenticated identity, whose grant the filter
/// computes under the enforced policy), and when it goes they are unbound. A dedicated pair
/// (<see cref="ChildSa.Dedicated"/>, per-process keying) is also handed to the filter with its outbound ESP SA (from
/// <paramref name="table"/>), since no route leads to it. Called on the IKE loop.
/// </summary>
internal sealed class PolicyChildSaSink(IChildSaSink inner, SpdPacketFilter filter, EspSaTable table) : IChildSaSink
{
    /// <inheritdoc/>
    public void Up(IkeSa ikeSa, ChildSa child)
    {
        ArgumentNullException.ThrowIfNull(ikeSa);
        ArgumentNullException.ThrowIfNull(child);

        // Bound before the SA is installed, so that its first packet already finds its peer.
        filter.AddSa(child.InboundSpi, child.OutboundSpi, ikeSa.Config.Name, ikeSa.PeerIdentity);
        inner.Up(ikeSa, child);
        if (child.Dedicated && child.RemoteEndPoint is { } remote && table.TryGetOutbound(child.OutboundSpi, out EspSa? outbound))
        {
            filter.AddDedicatedSa(child.InboundSpi, child.OutboundSpi, child.Replaces?.InboundSpi ?? 0, ikeSa.Config.Name, child.Owner,
                outbound, remote, child.OutboundActive);
        }
    }

    /// <inheritdoc/>
    public void Activate(IkeSa ikeSa, ChildSa child)
    {
        ArgumentNullException.ThrowIfNull(child);
        inner.Activate(ikeSa, child);
        if (child.Dedicated)
        {
            filter.ActivateDedicatedSa(child.InboundSpi);
        }
    }

    /// <inheritdoc/>
    public void Down(IkeSa ikeSa, ChildSa child)
    {
        ArgumentNullException.ThrowIfNull(child);
        inner.Down(ikeSa, child);
        if (child.Dedicated)
        {
            filter.RemoveDedicatedSa(child.InboundSpi);
        }

        filter.RemoveSa(child.InboundSpi, child.OutboundSpi);
    }
}
