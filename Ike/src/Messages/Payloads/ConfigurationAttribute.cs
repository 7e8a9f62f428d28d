using System.Buffers.Binary;

namespace IpsecFw.Ike.Messages.Payloads;

// RFC 7296 3.15.1
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |R|         Attribute Type      |            Length             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                                                               |
// ~                             Value                             ~
// |                                                               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>One configuration attribute (RFC 7296 3.15.1); the value's meaning depends on the type.</summary>
/// <param name="AttributeType">The 15-bit attribute type (the R bit is reserved).</param>
/// <param name="Value">The value (empty in a request for "any").</param>
public sealed record ConfigurationAttribute(ConfigurationAttributeType AttributeType, byte[] Value)
{
    /// <summary>Size of the fixed part.</summary>
    public const int HeaderSize = 4;

    /// <summary>Length on the wire.</summary>
    public int GetSerializedLength() => HeaderSize + Value.Length;

    /// <summary>Reads one attribute from the front of <paramref name="source"/>.</summary>
    internal static bool TryRead(ReadOnlySpan<byte> source, out ConfigurationAttribute attribute, out int consumed)
    {
        attribute = null!;
        consumed = 0;
        if (source.Length < HeaderSize)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        if (source.Length - HeaderSize < length)
        {
            return false;
        }

        var type = (ConfigurationAttributeType)(BinaryPrimitives.ReadUInt16BigEndian(source) & 0x7fff);
        attribute = new ConfigurationAttribute(type, source.Slice(HeaderSize, length).ToArray());
        consumed = HeaderSize + length;
        return true;
    }

    /// <summary>Writes the attribute.</summary>
    internal bool TryWrite(Span<byte> destination, out int written)
    {
        written = GetSerializedLength();
        if (destination.Length < written || Value.Length > ushort.MaxValue || (ushort)AttributeType > 0x7fff)
        {
            written = 0;
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)AttributeType);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)Value.Length);
        Value.CopyTo(destination[HeaderSize..]);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(ConfigurationAttribute? other) =>
        other is not null && AttributeType == other.AttributeType && Value.AsSpan().SequenceEqual(other.Value);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(AttributeType, Value.Length);
}
