namespace IpsecFw.Ike.Messages.Payloads;

// RFC 7296 3.13
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Number of TSs |                 RESERVED                      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                       <Traffic Selectors>                     ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>The Traffic Selector payload, TSi or TSr (RFC 7296 3.13).</summary>
public sealed class TsPayload : IkePayload
{
    /// <summary>Offset of the first selector in the body.</summary>
    public const int SelectorsOffset = 4;

    private readonly PayloadType _type;

    /// <summary>A TSi (<paramref name="initiator"/>) or TSr payload.</summary>
    public TsPayload(bool initiator, IReadOnlyList<TrafficSelector> selectors)
    {
        _type = initiator ? PayloadType.TrafficSelectorInitiator : PayloadType.TrafficSelectorResponder;
        Selectors = selectors;
    }

    /// <inheritdoc/>
    public override PayloadType Type => _type;

    /// <summary>The selectors, in order.</summary>
    public IReadOnlyList<TrafficSelector> Selectors { get; }

    /// <inheritdoc/>
    public override int GetBodyLength() => SelectorsOffset + Selectors.Sum(s => s.GetSerializedLength());

    /// <summary>Decodes the body: the count must match, and the selectors must fill it exactly.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, bool initiator, out TsPayload payload, out IkeDecodeFailure failure)
    {
        payload = null!;
        if (body.Length < SelectorsOffset)
        {
            failure = new IkeDecodeFailure(IkeDecodeError.TruncatedPayloadBody, 0);
            return false;
        }

        int count = body[0];
        if (count > Limits.MaxTrafficSelectors)
        {
            failure = new IkeDecodeFailure(IkeDecodeError.TooManyTrafficSelectors, 0);
            return false;
        }

        var selectors = new List<TrafficSelector>(count);
        int offset = SelectorsOffset;
        while (offset < body.Length)
        {
            if (selectors.Count == count || !TrafficSelector.TryRead(body[offset..], out TrafficSelector selector, out int used))
            {
                failure = new IkeDecodeFailure(IkeDecodeError.InvalidTrafficSelector, offset);
                return false;
            }

            selectors.Add(selector);
            offset += used;
        }

        if (selectors.Count != count || count == 0)
        {
            failure = new IkeDecodeFailure(IkeDecodeError.InvalidTrafficSelector, 0);
            return false;
        }

        payload = new TsPayload(initiator, selectors);
        failure = default;
        return true;
    }

    /// <inheritdoc/>
    public override bool TryWriteBody(Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < SelectorsOffset || Selectors.Count > byte.MaxValue)
        {
            return false;
        }

        destination[..SelectorsOffset].Clear();
        destination[0] = (byte)Selectors.Count;
        int offset = SelectorsOffset;
        foreach (TrafficSelector selector in Selectors)
        {
            if (!selector.TryWrite(destination[offset..], out int used))
            {
                return false;
            }

            offset += used;
        }

        written = offset;
        return true;
    }
}
