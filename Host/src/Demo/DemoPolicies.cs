using System.Net;

namespace IpsecFw.Host.Demo;

/// <summary>
/// The paper's Figures 1 and 2 with the blanks filled in as docs/policy-language.md does (<c>*.example.com</c>,
/// <c>mail-gw.example.com</c>), except that the time server is the demonstration's real one (198.18.4.2). The line
/// numbers are those of the documentation's worked table (line 5 is <c>allow smtp(*, mail_gw);</c>).
/// </summary>
internal static class DemoPolicies
{
    /// <summary>Figure 1.</summary>
    public static string Figure1(IPAddress timeServer) => $$"""
        inside_net = x509{name="*.example.com"};
        mail_gw = x509{name="mail-gw.example.com"};
        time_server = IPv4{{{timeServer}}};

        allow smtp(*, mail_gw);
        allow smtp(mail_gw, inside_net);
        allow ntp(time_server,inside_net);
        allow *(inside_net, *);

        """;

    /// <summary>Figure 2: <c>inside_net</c> needs a certificate newer than 15 March 1999; lines 6 and 7 of Figure 1 on one line.</summary>
    public static string Figure2(IPAddress timeServer) => $$"""
        inside_net = x509{name="*.example.com", ver>19990315};
        mail_gw = x509{name="mail-gw.example.com"};
        time_server = IPv4{{{timeServer}}};

        allow smtp(*, mail_gw);
        allow smtp(mail_gw, inside_net);ntp(time_server,inside_net);
        allow *(inside_net, *);

        """;
}
