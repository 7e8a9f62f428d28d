using IpsecFw.Host.Configuration;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// Peers changed without a restart (<see cref="IkeService"/>, registered when the daemon runs with peers): a reload's
/// new <c>peers</c> are checked first (<see cref="Prepare"/>: nothing changes when it throws), then applied
/// (<see cref="ApplyAsync"/>); and the operator's <c>terminate</c>. Calls are serialised by the caller.
/// </summary>
public interface IPeerReloader
{
    /// <summary>
    /// Compares <paramref name="loaded"/>'s peers with the running ones and loads what the added and changed peers need
    /// (PSK files, credentials).
    /// </summary>
    /// <exception cref="IkeStartException">Something the new peers need cannot be used; the message names the key and file.</exception>
    PeerReload Prepare(HostConfig loaded);

    /// <summary>Applies <paramref name="reload"/>: removed peers' SAs deleted, routes and traps changed, added peers started or trapped. Returns a one-line summary.</summary>
    Task<string> ApplyAsync(PeerReload reload, CancellationToken cancellationToken);

    /// <summary>DELETE of <paramref name="peer"/>'s CHILD_SAs (<paramref name="childrenOnly"/>) or IKE SAs; false with the reason when there is no such peer.</summary>
    Task<(bool Ok, string Message)> TerminateAsync(string peer, bool childrenOnly, CancellationToken cancellationToken);
}
