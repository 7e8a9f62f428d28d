namespace IpsecFw.Host.Demo;

/// <summary>
/// The organisation of the paper on one machine: a mail gateway, two inside hosts, a time server known only by its
/// address, an outside host and a telecommuter outside the perimeter, each in its own namespace, all joined by one
/// router namespace that forwards everything (a distributed firewall needs no perimeter). The CA and the policy
/// signer are the demonstration itself (the administrator's machine, which needs no network).
/// </summary>
internal static class DemoCast
{
    /// <summary>The mail gateway, <c>mail-gw.example.com</c>, 198.18.1.2, overlay 198.19.0.1.</summary>
    public static DemoHost MailGateway { get; } = new("mail-gw", "mail gateway", 1, "mail-gw.example.com", 1, Inside: true);

    /// <summary>An inside host, <c>host1.example.com</c>, 198.18.2.2, overlay 198.19.0.2.</summary>
    public static DemoHost Host1 { get; } = new("host1", "host1", 2, "host1.example.com", 2, Inside: true);

    /// <summary>An inside host whose certificate is old (notBefore 1999-01-04), <c>host2.example.com</c>, 198.18.3.2, overlay 198.19.0.3.</summary>
    public static DemoHost Host2 { get; } = new("host2", "host2", 3, "host2.example.com", 3, Inside: true);

    /// <summary>The time server, known to the policy only by its address 198.18.4.2 (no certificate, no daemon).</summary>
    public static DemoHost TimeServer { get; } = new("timesrv", "time server", 4, null, 0, Inside: true);

    /// <summary>A host on the Internet, 198.18.10.2 (no certificate, no daemon).</summary>
    public static DemoHost Outsider { get; } = new("outside", "outsider", 10, null, 0, Inside: false);

    /// <summary>The telecommuter's laptop outside the perimeter, <c>laptop.example.com</c>, 198.18.11.2, overlay 198.19.0.4.</summary>
    public static DemoHost Telecommuter { get; } = new("laptop", "telecommuter", 11, "laptop.example.com", 4, Inside: false);

    /// <summary>Every host; the daemons start in the reverse of this order (see <see cref="DemoRunner"/>).</summary>
    public static IReadOnlyList<DemoHost> All { get; } = [MailGateway, Host1, Host2, TimeServer, Outsider, Telecommuter];

    /// <summary>The hosts that run <c>ipsecfw</c>.</summary>
    public static IReadOnlyList<DemoHost> Daemons { get; } = [.. All.Where(h => h.RunsDaemon)];

    /// <summary>The day before which a certificate is too old for Figure 2 (<c>ver&gt;19990315</c>).</summary>
    public static DateTimeOffset Figure2Cutoff { get; } = new(1999, 3, 15, 0, 0, 0, TimeSpan.Zero);

    /// <summary>host2's certificate date: before <see cref="Figure2Cutoff"/>, so Figure 2 demotes it.</summary>
    public static DateTimeOffset OldCertificateDate { get; } = new(1999, 1, 4, 0, 0, 0, TimeSpan.Zero);
}
