using System.Buffers.Binary;

namespace IpsecFw.Ike.Messages.Payloads;

// RFC 7296 3.3.2
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Last Substruc |   RESERVED    |        Transform Length       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |Transform Type |   RESERVED    |          Transform ID         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                      Transform Attributes                     ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>A transform substructure (RFC 7296 3.3.2). <see cref="Id"/> is read through the typed accessors.</summary>
/// <param name="TransformType">The transform type.</param>
/// <param name="Id">The transform ID, whose meaning depends on <paramref name="TransformType"/>.</param>
/// <param name="Attributes">The attributes (in practice at most a Key Length).</param>
public sealed record Transform(TransformType TransformType, ushort Id, IReadOnlyList<TransformAttribute> Attributes)
{
    /// <summary>Last Substruc value of the last transform.</summary>
    public const byte LastMarker = 0;

    /// <summary>Last Substruc value when another transform follows.</summary>
    public const byte MoreMarker = 3;

    /// <summary>Offset of Transform Length.</summary>
    public const int LengthOffset = 2;

    /// <summary>Offset of Transform Type.</summary>
    public const int TypeOffset = LengthOffset + sizeof(ushort);

    /// <summary>Offset of Transform ID.</summary>
    public const int IdOffset = TypeOffset + 2;

    /// <summary>Size of the fixed part.</summary>
    public const int HeaderSize = IdOffset + sizeof(ushort);

    /// <summary>A transform without attributes.</summary>
    public Transform(TransformType transformType, ushort id)
        : this(transformType, id, [])
    {
    }

    /// <summary>An encryption transform, with a Key Length attribute when <paramref name="keyBits"/> is given.</summary>
    public static Transform Encryption(EncryptionAlgorithm algorithm, ushort? keyBits = null) =>
        new(TransformType.Encryption, (ushort)algorithm, keyBits is { } bits ? [TransformAttribute.KeyLength(bits)] : []);

    /// <summary>The Key Length attribute in bits, if present.</summary>
    public int? KeyLength
    {
        get
        {
            foreach (TransformAttribute attribute in Attributes)
            {
                if (attribute.AttributeType == TransformAttributeType.KeyLength && attribute.LongValue is null)
                {
                    return attribute.ShortValue;
                }
            }

            return null;
        }
    }

    /// <summary>Length on the wire.</summary>
    public int GetSerializedLength()
    {
        int length = HeaderSize;
        foreach (TransformAttribute attribute in Attributes)
        {
            length += attribute.GetSerializedLength();
        }

        return length;
    }

    /// <summary>Reads one transform; <paramref name="isLast"/> reports its Last Substruc.</summary>
    internal static bool TryRead(ReadOnlySpan<byte> source, out Transform transform, out int consumed, out bool isLast, out IkeDecodeError error)
    {
        transform = null!;
        consumed = 0;
        isLast = false;
        error = IkeDecodeError.InvalidTransform;
        if (source.Length < HeaderSize || (source[0] != LastMarker && source[0] != MoreMarker))
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(source[LengthOffset..]);
        if (length < HeaderSize || length > source.Length)
        {
            return false;
        }

        var attributes = new List<TransformAttribute>();
        ReadOnlySpan<byte> rest = source[HeaderSize..length];
        while (!rest.IsEmpty)
        {
            if (attributes.Count == Limits.MaxAttributesPerTransform || !TransformAttribute.TryRead(rest, out TransformAttribute attribute, out int used))
            {
                error = IkeDecodeError.InvalidTransformAttribute;
                return false;
            }

            attributes.Add(attribute);
            rest = rest[used..];
        }

        transform = new Transform((TransformType)source[TypeOffset], BinaryPrimitives.ReadUInt16BigEndian(source[IdOffset..]), attributes);
        consumed = length;
        isLast = source[0] == LastMarker;
        error = IkeDecodeError.None;
        return true;
    }

    /// <summary>Writes the transform with the given Last Substruc.</summary>
    internal bool TryWrite(Span<byte> destination, bool isLast, out int written)
    {
        written = 0;
        int length = GetSerializedLength();
        if (destination.Length < length || length > ushort.MaxValue)
        {
            return false;
        }

        destination[0] = isLast ? LastMarker : MoreMarker;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[LengthOffset..], (ushort)length);
        destination[TypeOffset] = (byte)TransformType;
        destination[TypeOffset + 1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[IdOffset..], Id);
        int offset = HeaderSize;
        foreach (TransformAttribute attribute in Attributes)
        {
            if (!attribute.TryWrite(destination[offset..], out int used))
            {
                return false;
            }

            offset += used;
        }

        written = length;
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(Transform? other) =>
        other is not null && TransformType == other.TransformType && Id == other.Id && Attributes.SequenceEqual(other.Attributes);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(TransformType, Id, Attributes.Count);
}
