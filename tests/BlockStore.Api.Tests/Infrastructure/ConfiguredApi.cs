using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace BlockStore.Api.Tests.Infrastructure;

/// <summary>
/// The API in-process, as deployed (Production), with <paramref name="settings"/> over the stack's configuration: for
/// the few tests that need a host unlike the shared <see cref="ApiHost"/>. It runs no dispatcher.
/// </summary>
public sealed class ConfiguredApi(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production").ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(settings));
        // Settings the program reads while it builds (the connection string) must be there before it builds.
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
    }
}
