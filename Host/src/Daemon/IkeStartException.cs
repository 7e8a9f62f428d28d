namespace IpsecFw.Host.Daemon;

/// <summary>
/// The IKE engine or the data path could not start: a credential file that does not load, a missing PSK file, a port
/// already in use, no TUN device. The message names the configuration key or file; <c>ipsecfw run</c> prints it and
/// exits with <c>StartFailed</c>.
/// </summary>
public sealed class IkeStartException : Exception
{
    /// <summary>An exception with a plain message.</summary>
    public IkeStartException(string message)
        : base(message)
    {
    }

    /// <summary>An exception with a plain message and its cause.</summary>
    public IkeStartException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>An exception with no message.</summary>
    public IkeStartException()
    {
    }
}
