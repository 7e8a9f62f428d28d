using IpsecFw.Ike.Config;
using IpsecFw.Ike.Sa;

namespace IpsecFw.Ike.Engine;

/// <summary>
/// Work on the SAs of one configured peer (by <see cref="IkeSaConfig.Name"/>): a CHILD_SA for an acquire, the operator's
/// <c>terminate</c>, and the removal of a peer by a reload.
/// </summary>
public sealed partial class IkeEngine
{
    /// <summary>
    /// Raised on the loop when a new CHILD_SA asked for with <see cref="AcquireChildAsync"/> (<see cref="IkeSa.RequestChild()"/>)
    /// was refused by the peer or answered with something invalid; the IKE SA stays.
    /// </summary>
    public event Action<IkeSa, string>? ChildSaRefused;

    /// <inheritdoc/>
    public void OnChildSaRefused(IkeSa sa, string reason) => ChildSaRefused?.Invoke(sa, reason);

    /// <summary>
    /// An acquire for <paramref name="peerName"/> (traffic to it found no CHILD_SA): with an established IKE SA and no
    /// live pair that is not dedicated to a program, a new pair is requested on it with CREATE_CHILD_SA (RFC 7296
    /// 1.3.1), at most one at a time. The answer says what was done, with the IKE SA's local SPI when there is one.
    /// </summary>
    public Task<(ChildSaAcquire Result, ulong IkeSpi)> AcquireChildAsync(string peerName) => InvokeAsync(() =>
    {
        IkeSa? established = null;
        bool negotiating = false;
        foreach (IkeSa sa in _sas.Values.Distinct())
        {
            if (!string.Equals(sa.Config.Name, peerName, StringComparison.Ordinal))
            {
                continue;
            }

            if (sa.State == IkeSaState.Established)
            {
                established ??= sa;
            }
            else if (sa.State is not IkeSaState.Closed and not IkeSaState.Rekeyed and not IkeSaState.Deleting)
            {
                negotiating = true;
            }
        }

        if (established is null)
        {
            return (negotiating ? ChildSaAcquire.IkeSaNegotiating : ChildSaAcquire.NoIkeSa, 0UL);
        }

        ChildSaAcquire result = established.Children.Any(c => !c.Superseded && !c.Dedicated && c.OutboundActive) ? ChildSaAcquire.Installed
            : established.CreatingChild ? ChildSaAcquire.AlreadyCreating
            : established.RequestChild() ? ChildSaAcquire.Creating
            : ChildSaAcquire.Failed;
        return (result, established.LocalSpi);
    });

    /// <summary>
    /// The operator's <c>terminate</c>: with <paramref name="childrenOnly"/>, DELETE of every CHILD_SA of the peer's
    /// established IKE SAs (the IKE SAs stay), else DELETE of the peer's IKE SAs. Returns how many SAs were deleted.
    /// </summary>
    public Task<int> TerminateAsync(string peerName, bool childrenOnly, string reason) => InvokeAsync(() =>
    {
        int count = 0;
        foreach (IkeSa sa in _sas.Values.Distinct().Where(s => string.Equals(s.Config.Name, peerName, StringComparison.Ordinal)).ToList())
        {
            if (!childrenOnly)
            {
                sa.Delete(reason);
                count++;
                continue;
            }

            if (sa.State != IkeSaState.Established)
            {
                continue;
            }

            foreach (ChildSa child in sa.Children.Where(c => !c.Superseded).ToList())
            {
                sa.DeleteChild(child, reason);
                count++;
            }
        }

        return count;
    });

    /// <summary>
    /// Deletes the SAs of <paramref name="peerName"/> (DELETE to the peer when established), waits up to
    /// <paramref name="wait"/> for the answers, then closes what is left. Returns how many SAs there were.
    /// </summary>
    public Task<int> DeletePeerAsync(string peerName, string reason, TimeSpan wait) =>
        DeleteWhereAsync(sa => string.Equals(sa.Config.Name, peerName, StringComparison.Ordinal), reason, reason, wait);

    private async Task<int> DeleteWhereAsync(Func<IkeSa, bool> which, string reason, string closeReason, TimeSpan wait)
    {
        int count = await InvokeAsync(() =>
        {
            List<IkeSa> list = [.. _sas.Values.Distinct().Where(which)];
            foreach (IkeSa sa in list)
            {
                sa.Delete(reason);
            }

            return list.Count;
        }).ConfigureAwait(false);
        DateTimeOffset until = Time.GetUtcNow() + wait;
        while (Time.GetUtcNow() < until && await InvokeAsync(() => _sas.Values.Any(which)).ConfigureAwait(false))
        {
            await Task.Delay(50).ConfigureAwait(false);
        }

        await InvokeAsync(() =>
        {
            foreach (IkeSa sa in _sas.Values.Distinct().Where(which).ToList())
            {
                sa.Close(closeReason);
            }

            return 0;
        }).ConfigureAwait(false);
        return count;
    }
}
