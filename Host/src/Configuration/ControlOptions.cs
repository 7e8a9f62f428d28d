namespace IpsecFw.Host.Configuration;

/// <summary>The control socket that <c>ipsecfw status</c>, <c>sas</c> and <c>reload</c> talk to.</summary>
public sealed class ControlOptions
{
    /// <summary>The default socket path.</summary>
    public const string DefaultSocket = "/run/ipsecfw/control.sock";

    /// <summary>The socket's absolute path; its directory is created with mode 0700.</summary>
    public string Socket { get; set; } = DefaultSocket;

    /// <summary>How many clients may be connected at once (1 to 64).</summary>
    public int MaxClients { get; set; } = 8;
}
