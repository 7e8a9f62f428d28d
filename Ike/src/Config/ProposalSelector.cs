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

    /// <summary>
    /// The proposals without key exchange transforms, for the CHILD_SA of IKE_AUTH, which takes its keys from the IKE SA
    /// (RFC 7296 1.2; a KE transform there would be ignored, and strongSwan answers without one). With
    /// <paramref name="renumber"/>, proposals that became equal are merged and the rest numbered from 1.
    /// </summary>
    public static IReadOnlyList<Proposal> WithoutKeyExchange(IReadOnlyList<Proposal> proposals, bool renumber)
    {
        ArgumentNullException.ThrowIfNull(proposals);
        var result = new List<Proposal>();
        foreach (Proposal p in proposals)
        {
            Proposal stripped = p with { Transforms = [.. p.Transforms.Where(t => t.TransformType != TransformType.KeyExchange)] };
            if (renumber)
            {
                if (result.Any(r => r.Transforms.SequenceEqual(stripped.Transforms)))
                {
                    continue;
                }

                stripped = stripped with { Number = (byte)(result.Count + 1) };
            }

            result.Add(stripped);
        }

        return result;
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
