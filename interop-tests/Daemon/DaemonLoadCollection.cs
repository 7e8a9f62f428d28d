namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// The daemon tests that load the machine (floods at thousands of datagrams a second): they run one at a time and
/// alone, after every parallel test, so that neither they nor other tests time out on a starved CPU.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DaemonLoadCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Daemon load";
}
