using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Sa;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// An acquire's answer: with an established IKE SA with the peer, a new CHILD_SA on it (CREATE_CHILD_SA, RFC 7296
/// 1.3.1); without one, a new IKE SA (its IKE_AUTH brings the CHILD_SA). The held packets go out when the pair is
/// installed (<see cref="AcquireChildSaSink"/>); a refused pair drops them as <c>acquire_failed</c>.
/// </summary>
public sealed partial class IkeService
{
    private async Task AcquireAsync(string name)
    {
        try
        {
            if (_stopping || Engine is not { } engine)
            {
                return;
            }

            (ChildSaAcquire result, ulong spi) = await engine.AcquireChildAsync(name).WaitAsync(s_stepBound, _stop.Token).ConfigureAwait(false);
            switch (result)
            {
                case ChildSaAcquire.NoIkeSa:
                    HostLog.Acquire(_log, name);
                    await InitiateAsync(name, TimeSpan.Zero, acquired: true).ConfigureAwait(false);
                    break;
                case ChildSaAcquire.Installed:
                    // The pair came up between the packet's miss and this acquire: its packets need not wait any longer.
                    await engine.InvokeAsync(() =>
                    {
                        ReleaseHeld(name);
                        return 0;
                    }).WaitAsync(s_stepBound, _stop.Token).ConfigureAwait(false);
                    break;
                case ChildSaAcquire.Creating:
                    HostLog.AcquireChild(_log, name, spi);
                    break;
                case ChildSaAcquire.Failed:
                    if (_acquires.Fail(name) is int dropped and > 0)
                    {
                        HostLog.AcquireDropped(_log, name, dropped, "the CHILD_SA could not be requested");
                    }

                    break;
                default:
                    // IkeSaNegotiating, AlreadyCreating: the pair on its way releases the packets.
                    break;
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            HostLog.InitiateFailed(_log, name, e.Message);
        }
    }

    /// <summary>The peer refused a CHILD_SA an acquire asked for: its held packets are dropped (the next packet may ask again after the retry interval). On the IKE loop.</summary>
    private void OnChildSaRefused(IkeSa sa, string reason)
    {
        if (_acquires.Fail(sa.Config.Name) is int dropped and > 0)
        {
            HostLog.AcquireDropped(_log, sa.Config.Name, dropped, reason);
        }
    }
}
