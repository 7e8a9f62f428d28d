namespace IpsecFw.Host.Demo;

/// <summary>
/// The connections the paper discusses and its verdicts (docs/policy-language.md, "The figures worked through"):
/// <c>*</c> never binds the enforcing host, so inside hosts accept SMTP only from the mail gateway and NTP only from the
/// time server's address; inside hosts and the telecommuter may call out; the telecommuter is in <c>inside_net</c> by
/// its certificate wherever it is, which gets it the gateway's mail through its SA but no ordinary service of an
/// inside host, and outsiders cannot reach it. Under Figure 2 host2's certificate (notBefore 1999-01-04) is too old:
/// host2 is outside, whatever its address.
/// </summary>
internal static class DemoScenario
{
    private static readonly DemoHost s_gw = DemoCast.MailGateway, s_h1 = DemoCast.Host1, s_h2 = DemoCast.Host2,
        s_ntp = DemoCast.TimeServer, s_out = DemoCast.Outsider, s_tc = DemoCast.Telecommuter;

    /// <summary>Figure 1's rows.</summary>
    public static IReadOnlyList<DemoConnection> Figure1 { get; } =
    [
        Clear("SMTP outsider -> mail gateway", s_out, s_gw, DemoService.Smtp, DemoVerdict.Allowed),
        Clear("SMTP outsider -> host1", s_out, s_h1, DemoService.Smtp, DemoVerdict.Denied),
        Sa("SMTP mail gateway -> host1", s_gw, s_h1, DemoService.Smtp, DemoVerdict.Allowed),
        Sa("SMTP mail gateway -> host2", s_gw, s_h2, DemoService.Smtp, DemoVerdict.Allowed),
        Sa("SMTP host1 -> host2 (subverted host)", s_h1, s_h2, DemoService.Smtp, DemoVerdict.Denied),
        Clear("NTP time server -> host1", s_ntp, s_h1, DemoService.Ntp, DemoVerdict.Allowed),
        Clear("NTP time server -> host2", s_ntp, s_h2, DemoService.Ntp, DemoVerdict.Allowed),
        Clear("NTP outsider -> host1", s_out, s_h1, DemoService.Ntp, DemoVerdict.Denied),
        Clear("SSH outsider -> host1", s_out, s_h1, DemoService.Ssh, DemoVerdict.Denied),
        Clear("HTTP host1 -> outsider (outbound call)", s_h1, s_out, DemoService.Http, DemoVerdict.Allowed),
        Clear("HTTP host2 -> outsider (outbound call)", s_h2, s_out, DemoService.Http, DemoVerdict.Allowed),
        Sa("SMTP mail gateway -> telecommuter", s_gw, s_tc, DemoService.Smtp, DemoVerdict.Allowed),
        Sa("SMTP telecommuter -> mail gateway", s_tc, s_gw, DemoService.Smtp, DemoVerdict.Allowed),
        Sa("SSH telecommuter -> host1", s_tc, s_h1, DemoService.Ssh, DemoVerdict.Denied),
        Clear("HTTP telecommuter -> outsider (outbound call)", s_tc, s_out, DemoService.Http, DemoVerdict.Allowed),
        Clear("SMTP outsider -> telecommuter", s_out, s_tc, DemoService.Smtp, DemoVerdict.Denied),
        Clear("SSH outsider -> telecommuter", s_out, s_tc, DemoService.Ssh, DemoVerdict.Denied),
    ];

    /// <summary>Figure 2's rows: host2 (old certificate) loses what Figure 1 gave it; host1 keeps everything.</summary>
    public static IReadOnlyList<DemoConnection> Figure2 { get; } =
    [
        Sa("SMTP mail gateway -> host1", s_gw, s_h1, DemoService.Smtp, DemoVerdict.Allowed),
        Sa("SMTP mail gateway -> host2 (old certificate)", s_gw, s_h2, DemoService.Smtp, DemoVerdict.Denied),
        Clear("NTP time server -> host1", s_ntp, s_h1, DemoService.Ntp, DemoVerdict.Allowed),
        Clear("NTP time server -> host2 (old certificate)", s_ntp, s_h2, DemoService.Ntp, DemoVerdict.Denied),
        Clear("HTTP host1 -> outsider (outbound call)", s_h1, s_out, DemoService.Http, DemoVerdict.Allowed),
        Clear("HTTP host2 (old certificate) -> outsider", s_h2, s_out, DemoService.Http, DemoVerdict.Denied),
        Sa("SMTP mail gateway -> telecommuter", s_gw, s_tc, DemoService.Smtp, DemoVerdict.Allowed),
        Clear("SMTP outsider -> mail gateway", s_out, s_gw, DemoService.Smtp, DemoVerdict.Allowed),
    ];

    /// <summary>Every server the rows need: (host, service) of each responder.</summary>
    public static IEnumerable<(DemoHost Host, DemoService Service)> Servers =>
        Figure1.Concat(Figure2).Select(c => (c.To, c.Service)).Distinct();

    private static DemoConnection Clear(string label, DemoHost from, DemoHost to, DemoService service, DemoVerdict expected) =>
        new(label, from, to, service, Tunnel: false, expected);

    private static DemoConnection Sa(string label, DemoHost from, DemoHost to, DemoService service, DemoVerdict expected) =>
        new(label + " (SA)", from, to, service, Tunnel: true, expected);
}
