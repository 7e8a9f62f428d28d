namespace IpsecFw.Host.Daemon;

/// <summary>The daemon has no policy it could enforce at start (nothing compiled, no valid bundle, no last good one).</summary>
public sealed class PolicyLoadException : Exception
{
    /// <summary>An exception with a plain message.</summary>
    public PolicyLoadException(string message)
        : base(message)
    {
    }

    /// <summary>An exception with a plain message and its cause.</summary>
    public PolicyLoadException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>An exception with no message.</summary>
    public PolicyLoadException()
    {
    }
}
