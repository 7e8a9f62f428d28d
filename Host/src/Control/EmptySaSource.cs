namespace IpsecFw.Host.Control;

/// <summary>The SA source while no IKE engine runs in the daemon: there are no SAs, and it says so honestly.</summary>
public sealed class EmptySaSource : ISaSource
{
    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<IkeSaInfo>> GetSasAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<IkeSaInfo>>([]);
}
