using System.Buffers.Binary;

namespace IpsecFw.Ike.Messages.Payloads;

// RFC 7296 3.3.1
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Last Substruc |   RESERVED    |         Proposal Length       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Proposal Num  |  Protocol ID  |    SPI Size   |Num  Transforms|
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                        SPI (variable)                         ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                        <Transforms>                           ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>A proposal substructure (RFC 7296 3.3.1).</summary>
/// <param name="Number">Proposal Num (1 for the first, one more for each next).</param>
/// <param name="ProtocolId">IKE, AH or ESP.</param>
/// <param name="Spi">The SPI: empty for the first IKE SA, 8 bytes on IKE rekey, 4 bytes for ESP and AH.</param>
/// <param name="Transforms">The transforms.</param>
public sealed record Proposal(byte Number, ProtocolId ProtocolId, byte[] Spi, IReadOnlyList<Transform> Transforms)
{
    /// <summary>Last Substruc value of the last proposal.</summary>
    public const byte LastMarker = 0;

    /// <summary>Last Substruc value when another proposal follows.</summary>
    public const byte MoreMarker = 2;

    /// <summary>Offset of Proposal Length.</summary>
    public const int LengthOffset = 2;

    /// <summary>Offset of Proposal Num.</summary>
    public const int NumberOffset = LengthOffset + sizeof(ushort);

    /// <summary>Offset of Protocol ID.</summary>
    public const int ProtocolIdOffset = NumberOffset + 1;

    /// <summary>Offset of SPI Size.</summary>
    public const int SpiSizeOffset = ProtocolIdOffset + 1;

    /// <summary>Offset of Num Transforms.</summary>
    public const int TransformCountOffset = SpiSizeOffset + 1;

    /// <summary>Size of the fixed part.</summary>
    public const int HeaderSize = TransformCountOffset + 1;

    /// <summary>The transforms of one type, in the order received.</summary>
    public IEnumerable<Transform> OfType(TransformType type) => Transforms.Where(t => t.TransformType == type);

    /// <summary>Length on the wire.</summary>
    public int GetSerializedLength()
    {
        int length = HeaderSize + Spi.Length;
        foreach (Transform transform in Transforms)
        {
            length += transform.GetSerializedLength();
        }

        return length;
    }

    /// <summary>Reads one proposal; <paramref name="failure"/> offsets are relative to <paramref name="source"/>.</summary>
    internal static bool TryRead(ReadOnlySpan<byte> source, out Proposal proposal, out int consumed, out bool isLast, out IkeDecodeFailure failure)
    {
        proposal = null!;
        consumed = 0;
        isLast = false;
        failure = new IkeDecodeFailure(IkeDecodeError.InvalidProposal, 0);
        if (source.Length < HeaderSize || (source[0] != LastMarker && source[0] != MoreMarker))
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(source[LengthOffset..]);
        int spiSize = source[SpiSizeOffset];
        int count = source[TransformCountOffset];
        if (length > source.Length || length < HeaderSize + spiSize || (spiSize != 0 && spiSize != 4 && spiSize != 8))
        {
            return false;
        }

        if (count > Limits.MaxTransformsPerProposal)
        {
            failure = new IkeDecodeFailure(IkeDecodeError.TooManyTransforms, 0);
            return false;
        }

        var transforms = new List<Transform>(count);
        int offset = HeaderSize + spiSize;
        bool lastSeen = false;
        while (offset < length)
        {
            if (lastSeen || transforms.Count == count)
            {
                failure = new IkeDecodeFailure(IkeDecodeError.TooManyTransforms, offset);
                return false;
            }

            if (!Transform.TryRead(source[offset..length], out Transform transform, out int used, out lastSeen, out IkeDecodeError error))
            {
                failure = new IkeDecodeFailure(error, offset);
                return false;
            }

            transforms.Add(transform);
            offset += used;
        }

        if (transforms.Count != count || (count > 0 && !lastSeen))
        {
            failure = new IkeDecodeFailure(IkeDecodeError.InvalidTransform, offset);
            return false;
        }

        proposal = new Proposal(source[NumberOffset], (ProtocolId)source[ProtocolIdOffset], source.Slice(HeaderSize, spiSize).ToArray(), transforms);
        consumed = length;
        isLast = source[0] == LastMarker;
        failure = default;
        return true;
    }

    /// <summary>Writes the proposal with the given Last Substruc.</summary>
    internal bool TryWrite(Span<byte> destination, bool isLast, out int written)
    {
        written = 0;
        int length = GetSerializedLength();
        if (destination.Length < length || length > ushort.MaxValue || Spi.Length > byte.MaxValue || Transforms.Count > byte.MaxValue)
        {
            return false;
        }

        destination[0] = isLast ? LastMarker : MoreMarker;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[LengthOffset..], (ushort)length);
        destination[NumberOffset] = Number;
        destination[ProtocolIdOffset] = (byte)ProtocolId;
        destination[SpiSizeOffset] = (byte)Spi.Length;
        destination[TransformCountOffset] = (byte)Transforms.Count;
        Spi.CopyTo(destination[HeaderSize..]);
        int offset = HeaderSize + Spi.Length;
        for (int i = 0; i < Transforms.Count; i++)
        {
            if (!Transforms[i].TryWrite(destination[offset..], i == Transforms.Count - 1, out int used))
            {
                return false;
            }

            offset += used;
        }

        written = length;
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(Proposal? other) =>
        other is not null && Number == other.Number && ProtocolId == other.ProtocolId &&
        Spi.AsSpan().SequenceEqual(other.Spi) && Transforms.SequenceEqual(other.Transforms);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Number, ProtocolId, Spi.Length, Transforms.Count);
}
