namespace IpsecFw.Ike.Messages;

/// <summary>Transform attribute types (RFC 7296 3.3.5).</summary>
public enum TransformAttributeType : ushort
{
    /// <summary>Key Length (in bits), always in TV format.</summary>
    KeyLength = 14,
}
