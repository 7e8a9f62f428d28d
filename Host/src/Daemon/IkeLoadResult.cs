namespace IpsecFw.Host.Daemon;

/// <summary>What one <see cref="IkeLoadTester"/> run did.</summary>
/// <param name="Started">IKE SAs initiated.</param>
/// <param name="Established">IKE SAs established (IKE_SA_INIT + IKE_AUTH) within the measured window.</param>
/// <param name="ChildSas">First CHILD_SAs that came up within the measured window.</param>
/// <param name="Failed">IKE SAs that closed without being established (refused, timed out) within the window.</param>
/// <param name="Elapsed">The measured window: from the first initiation to the last establishment (at most the time bound).</param>
/// <param name="LeftOpen">SAs still open when the run gave up waiting for them (10 s after the window) and deleted them.</param>
public sealed record IkeLoadResult(long Started, long Established, long ChildSas, long Failed, TimeSpan Elapsed, int LeftOpen)
{
    /// <summary>Established IKE SAs per second over <see cref="Elapsed"/>.</summary>
    public double Rate => Elapsed > TimeSpan.Zero ? Established / Elapsed.TotalSeconds : 0;
}
