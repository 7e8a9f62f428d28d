namespace IpsecFw.Host.Platform;

/// <summary>How a look-up of a local socket's owner ended (<see cref="ISocketOwnerResolver.Resolve"/>).</summary>
public enum SocketOwnerStatus : byte
{
    /// <summary>The socket, the process holding it and its program were found.</summary>
    Found,

    /// <summary>The kernel has no socket for the flow (nor a listening or bound one that would take it).</summary>
    NoSocket,

    /// <summary>The socket exists, but no process holds it (closing, or the process is gone), or its program cannot be read.</summary>
    NoProcess,

    /// <summary>The kernel or <c>/proc</c> refused the look-up (not root, or a hardened <c>/proc</c>).</summary>
    PermissionDenied,

    /// <summary>The protocol has no sockets to look up (not TCP or UDP), or the platform is not Linux.</summary>
    NotSupported,

    /// <summary>The look-up failed otherwise (netlink error, malformed answer, timeout).</summary>
    Failed,
}
