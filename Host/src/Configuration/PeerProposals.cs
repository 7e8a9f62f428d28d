using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IkeProposalParser = IpsecFw.Ike.Config.ProposalParser;

namespace IpsecFw.Host.Configuration;

/// <summary>
/// A peer's <c>ike</c> and <c>esp</c> proposal strings, read by the IKE engine's own strongSwan-style parser
/// (<see cref="IkeProposalParser"/>, the vocabulary of swanctl.conf), so that the configuration check and the engine
/// never disagree about what a string means. Each list entry is one proposal; several algorithms of a kind in one
/// entry are alternatives, as in swanctl. Thread-safe.
/// </summary>
public static class PeerProposals
{
    /// <summary>Checks one IKE proposal string; <paramref name="error"/> says why it is refused.</summary>
    public static bool TryCheckIke(string text, out string error) => IkeProposalParser.TryParseIke(text, 1, out _, out error);

    /// <summary>Checks one ESP proposal string; <paramref name="error"/> says why it is refused.</summary>
    public static bool TryCheckEsp(string text, out string error) => IkeProposalParser.TryParseEsp(text, 1, out _, out error);

    /// <summary>The IKE proposals of <paramref name="peer"/>, numbered from 1 in preference order.</summary>
    /// <exception cref="FormatException">An entry does not parse (a configuration that passed the checks never has one).</exception>
    public static IReadOnlyList<Proposal> Ike(PeerOptions peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return Convert(peer.Ike, ProtocolId.Ike, $"peers '{peer.Name}' ike");
    }

    /// <summary>The ESP proposals of <paramref name="peer"/>, numbered from 1 in preference order.</summary>
    /// <exception cref="FormatException">An entry does not parse.</exception>
    public static IReadOnlyList<Proposal> Esp(PeerOptions peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return Convert(peer.Esp, ProtocolId.Esp, $"peers '{peer.Name}' esp");
    }

    private static List<Proposal> Convert(IReadOnlyList<string> texts, ProtocolId protocol, string at)
    {
        var list = new List<Proposal>(texts.Count);
        for (int i = 0; i < texts.Count && i < byte.MaxValue; i++)
        {
            byte number = (byte)(i + 1);
            bool ok = protocol == ProtocolId.Ike
                ? IkeProposalParser.TryParseIke(texts[i], number, out Proposal p, out string error)
                : IkeProposalParser.TryParseEsp(texts[i], number, out p, out error);
            if (!ok)
            {
                throw new FormatException($"{at}[{i}]: {error}");
            }

            list.Add(p);
        }

        return list;
    }
}
