namespace IpsecFw.Esp.Tests.Vectors;

/// <summary>The fields of an ESP example packet vector (RFC 7634 Appendix A).</summary>
internal sealed record EspPacketVector(
    byte[] KeyMaterial,
    byte[] Key,
    byte[] Salt,
    uint Spi,
    uint Sequence,
    byte[] Inner,
    byte[] Packet,
    byte[] DerivedPlaintext);
