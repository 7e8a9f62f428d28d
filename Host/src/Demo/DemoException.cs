namespace IpsecFw.Host.Demo;

/// <summary>The demonstration could not build or run its organisation (exit code <see cref="Cli.ExitCodes.DemoSetupFailed"/>).</summary>
internal sealed class DemoException : Exception
{
    public DemoException(string message)
        : base(message)
    {
    }

    public DemoException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
