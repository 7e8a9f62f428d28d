namespace IpsecFw.Spd.Runtime;

/// <summary>An inclusive range of addresses in the 128-bit form of <see cref="IpAddressCodec"/>.</summary>
/// <param name="First">The lowest address.</param>
/// <param name="Last">The highest address (inclusive).</param>
public readonly record struct AddressRange(UInt128 First, UInt128 Last);
