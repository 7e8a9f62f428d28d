namespace IpsecFw.Host.Control;

/// <summary>
/// Where <c>ipsecfw sas</c> and the SA counts of <c>ipsecfw status</c> come from: the IKE engine implements this and is
/// registered as a singleton in the daemon's services. Until it exists the daemon runs with <see cref="EmptySaSource"/>.
/// Called on a control-socket thread, at any time, concurrently with the engine's own work: the implementation returns
/// a consistent copy and never blocks on the network.
/// </summary>
public interface ISaSource
{
    /// <summary>Every IKE SA with its CHILD SAs, as they are now.</summary>
    ValueTask<IReadOnlyList<IkeSaInfo>> GetSasAsync(CancellationToken cancellationToken);
}
