using IpsecFw.Host.Configuration;
using IpsecFw.Ike.Config;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// The peer changes of one reload, checked and ready (<see cref="IPeerReloader.Prepare"/>): which running peers go
/// (removed, or changed: removed then added), which come, the peer list and engine configurations afterwards, and the
/// credentials loaded for the new ones (disposed here unless applied). Not thread-safe.
/// </summary>
public sealed class PeerReload : IDisposable
{
    private PeerAuthenticators? _auth;

    internal PeerReload(IReadOnlyList<PeerOptions> peers, IReadOnlyList<string> removed, IReadOnlyList<PeerOptions> added, IReadOnlyList<string> changed,
        IReadOnlyList<(string Peer, string What)> needRestart, Dictionary<string, IkeSaConfig> configs, PeerAuthenticators? auth)
    {
        Peers = peers;
        Removed = removed;
        Added = added;
        Changed = changed;
        NeedRestart = needRestart;
        Configs = configs;
        _auth = auth;
    }

    /// <summary>Whether no running peer changes.</summary>
    public bool IsEmpty => Removed.Count == 0 && Added.Count == 0;

    /// <summary>The peers after the reload, in the file's order (a peer whose change needs a restart as it runs).</summary>
    internal IReadOnlyList<PeerOptions> Peers { get; }

    /// <summary>Running peers to remove: gone from the file, or changed.</summary>
    internal IReadOnlyList<string> Removed { get; }

    /// <summary>Peers to add: new in the file, or the new version of a changed one.</summary>
    internal IReadOnlyList<PeerOptions> Added { get; }

    /// <summary>The names of the changed peers (in both lists above).</summary>
    internal IReadOnlyList<string> Changed { get; }

    /// <summary>Peers whose change is left for the next start, with what makes it so.</summary>
    internal IReadOnlyList<(string Peer, string What)> NeedRestart { get; }

    /// <summary>The engine configuration of every peer of <see cref="Peers"/>.</summary>
    internal Dictionary<string, IkeSaConfig> Configs { get; }

    /// <summary>Hands the credentials over to the caller that applies the reload (who disposes them from then on).</summary>
    internal PeerAuthenticators? TakeCredentials()
    {
        PeerAuthenticators? auth = _auth;
        _auth = null;
        return auth;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _auth?.Dispose();
        _auth = null;
    }
}
