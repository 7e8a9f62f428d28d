using System.Runtime.Versioning;
using IpsecFw.Host.Demo;
using IpsecFw.InteropTests.Daemon;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Demo;

/// <summary>
/// Runs <c>ipsecfw demo</c>'s organisation once for the class (<see cref="DemoRunner"/>, the code behind the command,
/// with the built <c>ipsecfw.dll</c> beside the tests as the daemons): network namespaces, certificates, four daemons
/// with signed bundles, real TCP and UDP for every row of Figures 1 and 2. Bounded by two minutes (a bound, not an
/// assertion); the runner removes everything it made before it returns.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class DemoRunFixture : IAsyncLifetime
{
    /// <summary>Why the tests cannot run here, or null.</summary>
    public string? SkipReason { get; private set; }

    /// <summary>What went wrong while building or running the organisation, or null.</summary>
    public string? Failure { get; private set; }

    /// <summary>What the demonstration printed.</summary>
    public string Output { get; private set; } = string.Empty;

    internal DemoReport? Report { get; private set; }

    /// <inheritdoc/>
    public async ValueTask InitializeAsync()
    {
        SkipReason = Prerequisites.Root() ?? (DemoPrerequisites.Missing() is { } missing ? "not run: " + missing : null);
        if (SkipReason is not null)
        {
            return;
        }

        (string host, string dll) = DaemonProcess.Executable();
        using var output = new StringWriter();
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            Report = await new DemoRunner(new DemoOptions(new DemoExecutable(host, [dll]), output)).RunAsync(bound.Token);
        }
        catch (Exception e) when (e is DemoException or OperationCanceledException)
        {
            Failure = $"{e.GetType().Name}: {e.Message}";
        }

        Output = output.ToString();
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
