namespace IpsecFw.Tun;

/// <summary>
/// Opening or configuring a TUN device failed. Thrown at creation and configuration time only, never on the packet path.
/// </summary>
public sealed class TunException : Exception
{
    /// <summary>Creates an exception with no errno.</summary>
    public TunException()
    {
    }

    /// <summary>Creates an exception with a plain message and no errno.</summary>
    public TunException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a plain message and an inner exception.</summary>
    public TunException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with a plain message and the errno (or Win32 error) that caused it.</summary>
    public TunException(string message, int errorCode)
        : base(message)
    {
        ErrorCode = errorCode;
    }

    /// <summary>The errno on Linux or the Win32 error on Windows; 0 when the failure was not a system call's.</summary>
    public int ErrorCode { get; }
}
