using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Sa;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// Passes CHILD_SAs on to the ESP installer and tells the data path's filter who is behind them: when a pair is
/// installed its two SPIs are bound to the IKE SA's peer (name and authenticated identity, whose grant the filter
/// computes under the enforced policy), and when it goes they are unbound. Called on the IKE loop.
/// </summary>
internal sealed class PolicyChildSaSink(IChildSaSink inner, SpdPacketFilter filter) : IChildSaSink
{
    /// <inheritdoc/>
    public void Up(IkeSa ikeSa, ChildSa child)
    {
        ArgumentNullException.ThrowIfNull(ikeSa);
        ArgumentNullException.ThrowIfNull(child);

        // Bound before the SA is installed, so that its first packet already finds its peer.
        filter.AddSa(child.InboundSpi, child.OutboundSpi, ikeSa.Config.Name, ikeSa.PeerIdentity);
        inner.Up(ikeSa, child);
    }

    /// <inheritdoc/>
    public void Activate(IkeSa ikeSa, ChildSa child) => inner.Activate(ikeSa, child);

    /// <inheritdoc/>
    public void Down(IkeSa ikeSa, ChildSa child)
    {
        ArgumentNullException.ThrowIfNull(child);
        inner.Down(ikeSa, child);
        filter.RemoveSa(child.InboundSpi, child.OutboundSpi);
    }
}
