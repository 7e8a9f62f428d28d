using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Sa;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// Passes CHILD_SAs on and, once a pair carries outbound traffic (installed, or activated after a rekey), tells
/// <paramref name="outboundReady"/> the peer's name, so that the packets an acquire held for it are sent. Called on the
/// IKE loop.
/// </summary>
internal sealed class AcquireChildSaSink(IChildSaSink inner, Action<string> outboundReady) : IChildSaSink
{
    /// <inheritdoc/>
    public void Up(IkeSa ikeSa, ChildSa child)
    {
        ArgumentNullException.ThrowIfNull(ikeSa);
        ArgumentNullException.ThrowIfNull(child);
        inner.Up(ikeSa, child);
        if (child.OutboundActive)
        {
            outboundReady(ikeSa.Config.Name);
        }
    }

    /// <inheritdoc/>
    public void Activate(IkeSa ikeSa, ChildSa child)
    {
        ArgumentNullException.ThrowIfNull(ikeSa);
        inner.Activate(ikeSa, child);
        outboundReady(ikeSa.Config.Name);
    }

    /// <inheritdoc/>
    public void Down(IkeSa ikeSa, ChildSa child) => inner.Down(ikeSa, child);
}
