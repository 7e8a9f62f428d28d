namespace IpsecFw.Host.Platform;

/// <summary>
/// The owner of a local socket: the socket's inode and user id (from <c>sock_diag</c>), the process that holds it and
/// that process's program (the target of <c>/proc/PID/exe</c>). Only <see cref="Program"/> is set with
/// <see cref="SocketOwnerStatus.Found"/>; the rest is filled in as far as the look-up got.
/// </summary>
/// <param name="Status">How the look-up ended.</param>
/// <param name="Inode">The socket's inode, or 0.</param>
/// <param name="Uid">The socket's user id, or -1.</param>
/// <param name="Pid">The process holding the socket, or 0.</param>
/// <param name="Program">The program's absolute path, or null.</param>
public readonly record struct SocketOwner(SocketOwnerStatus Status, uint Inode = 0, int Uid = -1, int Pid = 0, string? Program = null)
{
    /// <summary>A look-up that ended with <paramref name="status"/> before finding a program.</summary>
    public static SocketOwner Failure(SocketOwnerStatus status, uint inode = 0, int uid = -1) => new(status, inode, uid);

    /// <summary>The status as written in logs and counters: <c>found</c>, <c>no_socket</c>, <c>permission_denied</c>...</summary>
    public static string StatusName(SocketOwnerStatus status) => status switch
    {
        SocketOwnerStatus.Found => "found",
        SocketOwnerStatus.NoSocket => "no_socket",
        SocketOwnerStatus.NoProcess => "no_process",
        SocketOwnerStatus.PermissionDenied => "permission_denied",
        SocketOwnerStatus.NotSupported => "not_supported",
        _ => "failed",
    };
}
