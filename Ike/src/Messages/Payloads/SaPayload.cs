namespace IpsecFw.Ike.Messages.Payloads;

// RFC 7296 3.3
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                          <Proposals>                          ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>The Security Association payload (RFC 7296 3.3): one or more proposals.</summary>
public sealed class SaPayload(IReadOnlyList<Proposal> proposals) : IkePayload
{
    /// <inheritdoc/>
    public override PayloadType Type => PayloadType.SecurityAssociation;

    /// <summary>The proposals, in order.</summary>
    public IReadOnlyList<Proposal> Proposals { get; } = proposals;

    /// <inheritdoc/>
    public override int GetBodyLength()
    {
        int length = 0;
        foreach (Proposal proposal in Proposals)
        {
            length += proposal.GetSerializedLength();
        }

        return length;
    }

    /// <summary>Decodes the body; strict: Last Substruc must mark exactly the last proposal, lengths must tile the body.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, out SaPayload payload, out IkeDecodeFailure failure)
    {
        payload = null!;
        var proposals = new List<Proposal>();
        int offset = 0;
        bool lastSeen = false;
        while (offset < body.Length)
        {
            if (lastSeen || proposals.Count == Limits.MaxProposals)
            {
                failure = new IkeDecodeFailure(lastSeen ? IkeDecodeError.InvalidProposal : IkeDecodeError.TooManyProposals, offset);
                return false;
            }

            if (!Proposal.TryRead(body[offset..], out Proposal proposal, out int used, out lastSeen, out failure))
            {
                failure = failure.Rebase(offset);
                return false;
            }

            proposals.Add(proposal);
            offset += used;
        }

        if (!lastSeen)
        {
            // An empty SA payload, or a chain whose last proposal says "more follow".
            failure = new IkeDecodeFailure(IkeDecodeError.InvalidProposal, offset);
            return false;
        }

        payload = new SaPayload(proposals);
        failure = default;
        return true;
    }

    /// <inheritdoc/>
    public override bool TryWriteBody(Span<byte> destination, out int written)
    {
        written = 0;
        int offset = 0;
        for (int i = 0; i < Proposals.Count; i++)
        {
            if (!Proposals[i].TryWrite(destination[offset..], i == Proposals.Count - 1, out int used))
            {
                return false;
            }

            offset += used;
        }

        written = offset;
        return true;
    }
}
