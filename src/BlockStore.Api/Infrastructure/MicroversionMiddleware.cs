namespace BlockStore.Api.Infrastructure;

/// <summary>
/// Negotiates the microversion for every request under <c>/v3</c> and echoes it on every response,
/// errors included. Malformed gets 400, out of range 406, as Cinder answers.
/// </summary>
public sealed class MicroversionMiddleware(RequestDelegate next)
{
    public const string Header = "OpenStack-API-Version";
    private const string Service = "volume";

    public async Task InvokeAsync(HttpContext http)
    {
        var requested = RequestedVersion(http.Request);
        http.Response.Headers.Vary = Header;
        if (requested is null)
        {
            Set(http, Microversion.Min);
            await next(http);
            return;
        }
        if (requested == "latest")
        {
            Set(http, Microversion.Max);
            await next(http);
            return;
        }
        if (!Microversion.TryParse(requested, out var version))
        {
            await CinderFault.WriteAsync(http, 400, $"API Version String {requested} is of invalid format. Must be of format MajorNum.MinorNum.");
            return;
        }
        http.Response.Headers[Header] = $"{Service} {version}";
        if (version < Microversion.Min || version > Microversion.Max)
        {
            await CinderFault.WriteAsync(http, 406,
                $"Version {version} is not supported by the API. Minimum is {Microversion.Min} and maximum is {Microversion.Max}.", "computeFault");
            return;
        }
        Set(http, version);
        await next(http);
    }

    public static Microversion Of(HttpContext http) =>
        http.Items.TryGetValue(typeof(Microversion), out var v) && v is Microversion m ? m : Microversion.Min;

    private static void Set(HttpContext http, Microversion version)
    {
        http.Items[typeof(Microversion)] = version;
        http.Response.Headers[Header] = $"{Service} {version}";
    }

    /// <summary>The value for the volume service, from the header's comma-separated service list.</summary>
    private static string? RequestedVersion(HttpRequest request)
    {
        foreach (var value in request.Headers[Header])
        {
            foreach (var item in (value ?? "").Split(','))
            {
                var parts = item.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2 && parts[0].Equals(Service, StringComparison.OrdinalIgnoreCase)) return parts[1].Trim();
            }
        }
        return null;
    }
}
