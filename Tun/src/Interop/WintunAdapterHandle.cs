using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace IpsecFw.Tun.Interop;

/// <summary>A Wintun adapter; released with <c>WintunCloseAdapter</c>.</summary>
[SupportedOSPlatform("windows")]
internal sealed class WintunAdapterHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>Creates an invalid handle (for the marshaller).</summary>
    public WintunAdapterHandle()
        : base(ownsHandle: true)
    {
    }

    /// <summary>Takes ownership of <paramref name="handle"/>.</summary>
    public WintunAdapterHandle(nint handle)
        : base(ownsHandle: true) => SetHandle(handle);

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        Wintun.CloseAdapter(handle);
        return true;
    }
}
