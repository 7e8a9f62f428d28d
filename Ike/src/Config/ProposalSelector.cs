using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Config;

/// <summary>
/// Proposal choice (RFC 7296 2.7, 3.3.6). The responder walks its own proposals in its order of preference and, for
/// each, the peer's proposals in the peer's order; a pair matches when both name the same transform types and every
/// type has a transform in common. The answer is the peer's proposal (its number and SPI) cut down to one transform of
/// each type, the first common one in the responder's order.
/// </summary>
public static class ProposalSelector
{
    /// <summary>Chooses one of <paramref name="offered"/> for <paramref name="protocol"/>, by <paramref name="configured"/>'s preference.</summary>
    public static bool TrySelect(IReadOnlyList<Proposal> offered, IReadOnlyList<Proposal> configured, ProtocolId protocol, out Proposal chosen)
    {
        ArgumentNullException.ThrowIfNull(offered);
        ArgumentNullException.ThrowIfNull(configured);
        foreach (Proposal mine in configured)
        {
            foreach (Proposal theirs in offered)
            {
                if (theirs.ProtocolId != protocol || mine.ProtocolId != protocol)
                {
                    continue;
                }

                if (TryMatch(mine, theirs, out List<Transform>? transforms))
                {
                    chosen = new Proposal(theirs.Number, protocol, theirs.Spi, transforms);
                    return true;
                }
            }
        }

        chosen = null!;
        return false;
    }

    /// <summary>
    /// The initiator's check of the responder's answer (RFC 7296 3.3.6): exactly one proposal, with the number of one
    /// we sent, one transform of each type that proposal names, each one we offered.
    /// </summary>
    public static bool IsValidChoice(IReadOnlyList<Proposal> sent, Proposal answer)
    {
        ArgumentNullException.ThrowIfNull(sent);
        ArgumentNullException.ThrowIfNull(answer);
        Proposal? ours = sent.FirstOrDefault(p => p.Number == answer.Number && p.ProtocolId == answer.ProtocolId);
        if (ours is null)
        {
            return false;
        }

        var types = ours.Transforms.Select(t => t.TransformType).Distinct().ToList();
        if (answer.Transforms.Count != types.Count)
        {
            return false;
        }

        foreach (TransformType type in types)
        {
            Transform[] picked = [.. answer.OfType(type)];
            if (picked.Length != 1 || !ours.OfType(type).Contains(picked[0]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryMatch(Proposal mine, Proposal theirs, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out List<Transform>? transforms)
    {
        transforms = null;
        var myTypes = mine.Transforms.Select(t => t.TransformType).Distinct().ToList();
        var theirTypes = theirs.Transforms.Select(t => t.TransformType).Distinct().ToList();
        if (myTypes.Count != theirTypes.Count || myTypes.Except(theirTypes).Any())
        {
            return false;
        }

        var result = new List<Transform>(myTypes.Count);
        foreach (TransformType type in myTypes)
        {
            Transform? common = mine.OfType(type).FirstOrDefault(t => theirs.OfType(type).Contains(t));
            if (common is null)
            {
                return false;
            }

            result.Add(common);
        }

        transforms = result;
        return true;
    }
}
