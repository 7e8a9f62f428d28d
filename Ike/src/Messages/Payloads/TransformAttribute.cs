using System.Buffers.Binary;

namespace IpsecFw.Ike.Messages.Payloads;

// RFC 7296 3.3.5
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |A|       Attribute Type        |    AF=0  Attribute Length     |
// |F|                             |    AF=1  Attribute Value      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                   AF=0  Attribute Value                       |
// |                   AF=1  Not Transmitted                       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>A transform attribute (RFC 7296 3.3.5), in TV form (AF=1, <see cref="LongValue"/> null) or TLV form.</summary>
/// <param name="AttributeType">The 15-bit attribute type.</param>
/// <param name="ShortValue">The value in TV form.</param>
/// <param name="LongValue">The value in TLV form; null for TV.</param>
public sealed record TransformAttribute(TransformAttributeType AttributeType, ushort ShortValue, byte[]? LongValue = null)
{
    /// <summary>The Attribute Format bit.</summary>
    public const ushort FormatBit = 0x8000;

    /// <summary>Size of the fixed part.</summary>
    public const int HeaderSize = 4;

    /// <summary>A Key Length attribute (always TV).</summary>
    public static TransformAttribute KeyLength(ushort bits) => new(TransformAttributeType.KeyLength, bits);

    /// <summary>Length on the wire.</summary>
    public int GetSerializedLength() => HeaderSize + (LongValue?.Length ?? 0);

    /// <summary>Reads one attribute from the front of <paramref name="source"/>.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out TransformAttribute attribute, out int consumed)
    {
        attribute = null!;
        consumed = 0;
        if (source.Length < HeaderSize)
        {
            return false;
        }

        ushort typeField = BinaryPrimitives.ReadUInt16BigEndian(source);
        ushort valueField = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        var type = (TransformAttributeType)(typeField & ~FormatBit);
        if ((typeField & FormatBit) != 0)
        {
            attribute = new TransformAttribute(type, valueField);
            consumed = HeaderSize;
            return true;
        }

        if (source.Length - HeaderSize < valueField)
        {
            return false;
        }

        attribute = new TransformAttribute(type, 0, source.Slice(HeaderSize, valueField).ToArray());
        consumed = HeaderSize + valueField;
        return true;
    }

    /// <summary>Writes the attribute.</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        int length = GetSerializedLength();
        if (destination.Length < length || (ushort)AttributeType >= FormatBit || (LongValue?.Length ?? 0) > ushort.MaxValue)
        {
            return false;
        }

        if (LongValue is null)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)((ushort)AttributeType | FormatBit));
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], ShortValue);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)AttributeType);
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)LongValue.Length);
            LongValue.CopyTo(destination[HeaderSize..]);
        }

        written = length;
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(TransformAttribute? other) =>
        other is not null && AttributeType == other.AttributeType && ShortValue == other.ShortValue &&
        (LongValue is null ? other.LongValue is null : other.LongValue is not null && LongValue.AsSpan().SequenceEqual(other.LongValue));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(AttributeType, ShortValue, LongValue?.Length);
}
