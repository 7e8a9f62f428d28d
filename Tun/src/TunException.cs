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

    /// <summary>Creates an exception for offloads the kernel refused (<see cref="OffloadRefused"/>): the device opens without them.</summary>
    public TunException(string message, int errorCode, bool offloadRefused)
        : base(message)
    {
        ErrorCode = errorCode;
        OffloadRefused = offloadRefused;
    }

    /// <summary>True when the kernel refused only the offloads (<c>IFF_VNET_HDR</c>, TUNSETVNETHDRSZ, TUNSETOFFLOAD).</summary>
    public bool OffloadRefused { get; }

    /// <summary>The errno on Linux or the Win32 error on Windows; 0 when the failure was not a system call's.</summary>
    public int ErrorCode { get; }
}
