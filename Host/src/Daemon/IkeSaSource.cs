using IpsecFw.Esp.Sa;
using IpsecFw.Host.Control;
using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Sa;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// <c>ipsecfw sas</c> from the running <see cref="IkeEngine"/>: a snapshot taken on the IKE loop and copied there by
/// <see cref="SaInfoMapper"/>, so the SAs are never read while the loop changes them. Waits at most
/// <see cref="Bound"/> for the loop; an engine that is not running (before start, after stop) has no SAs.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class IkeSaSource(IkeService service, EspSaTable table) : ISaSource
{
    /// <summary>The longest wait for the IKE loop.</summary>
    public static TimeSpan Bound { get; } = TimeSpan.FromSeconds(5);

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<IkeSaInfo>> GetSasAsync(CancellationToken cancellationToken)
    {
        if (service.Engine is not { } engine)
        {
            return [];
        }

        IReadOnlyList<IkeSa> sas = await engine.SnapshotAsync().WaitAsync(Bound, cancellationToken).ConfigureAwait(false);
        return await engine.InvokeAsync<IReadOnlyList<IkeSaInfo>>(
            () => [.. sas.Where(s => s.State != IkeSaState.Closed).Select(s => SaInfoMapper.Map(s, table))])
            .WaitAsync(Bound, cancellationToken).ConfigureAwait(false);
    }
}
