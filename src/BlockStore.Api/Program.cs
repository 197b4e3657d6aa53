using System.Text.Json;
using System.Text.Json.Serialization;
using BlockStore.Api.Attachments;
using BlockStore.Api.Auth;
using BlockStore.Api.Backups;
using BlockStore.Api.Health;
using BlockStore.Api.Groups;
using BlockStore.Api.Images;
using BlockStore.Api.Infrastructure;
using BlockStore.Api.Messages;
using BlockStore.Api.Quotas;
using BlockStore.Api.Services;
using BlockStore.Api.Snapshots;
using BlockStore.Api.Transfers;
using BlockStore.Api.Types;
using BlockStore.Api.Versions;
using BlockStore.Api.Volumes;
using BlockStore.Core.Data;
using BlockStore.Core.Health;
using BlockStore.Core.Logging;
using BlockStore.Core.Quotas;
using BlockStore.Core.Services;
using BlockStore.Core.Volumes;
using BlockStore.Storage.Backends;
using BlockStore.Storage.Images;
using FluentValidation;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);
RuntimeLogLevels.AddTo(builder);

var services = builder.Services;
services.AddBlockStoreDb(builder.Configuration);
services.AddBlockStoreAuth(builder.Configuration);
services.Configure<CephOptions>(builder.Configuration.GetSection("Ceph"));
// Ready when PostgreSQL answers: a change commits with its outbox row, and the workers' dispatchers publish it, so
// the API accepts work while RabbitMQ is away. Ceph is the workers' (their readiness, os-services); the API only
// connects to it for image uploads, on the first one.
services.AddBlockStoreDependencyChecks();
services.Configure<QuotaOptions>(builder.Configuration.GetSection("Quotas"));
services.AddOptions<ServiceOptions>().Bind(builder.Configuration.GetSection("Services"))
    .Validate(ServiceOptions.IsValid, ServiceOptions.ValidRanges).ValidateOnStart();
services.Configure<BackendCatalog>(builder.Configuration.GetSection("Volumes"));
services.Configure<BackendCatalog>(c => builder.Configuration.GetSection("Backends").Bind(c.Backends));
services.AddScoped<QuotaService>();
services.Configure<ImageOptions>(builder.Configuration.GetSection("Images"));
services.AddSingleton<CephConnection>();
services.AddSingleton<ImagePool>();
services.AddScoped<ImageUploads>();
services.AddSingleton(TimeProvider.System);
// Validators are stateless, and building one compiles its rules: one instance each, for the process.
services.AddValidatorsFromAssemblyContaining<Program>(ServiceLifetime.Singleton, includeInternalTypes: true);
services.AddAdmission(builder.Configuration);
services.AddExceptionHandler<CinderExceptionHandler>();
services.AddProblemDetails();
services.AddOpenApi();
// Binding failures (malformed JSON, wrong types) reach the one exception handler instead of a bare 400.
services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
    o.SerializerOptions.NumberHandling = JsonNumberHandling.AllowReadingFromString;
});

var app = builder.Build();
app.UseMiddleware<RequestIdMiddleware>();
app.UseExceptionHandler();
app.UseStatusCodePages(ctx => ctx.HttpContext.Response.HasStarted || ctx.HttpContext.Response.ContentLength > 0
    ? Task.CompletedTask
    : CinderFault.WriteBareStatusAsync(ctx.HttpContext));
app.UseWhen(ctx => ctx.Request.Path.StartsWithSegments("/v3") || ctx.Request.Path == "/",
    branch => branch.UseMiddleware<MicroversionMiddleware>());
// Routing runs inside the exception handler, so that even a routing failure reaches the client as a Cinder fault.
app.UseRouting();
app.UseAuthentication();
app.UseRateLimiter();

app.MapOpenApi("/openapi/{documentName}.json");
app.MapScalarApiReference("/docs", o => o.WithTitle("BlockStore API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
app.MapVersionsApi();
app.MapHealthApi();
app.MapV3(v3 =>
{
    v3.MapVolumesApi();
    v3.MapManageApi();
    v3.MapSnapshotManageApi();
    v3.MapAvailabilityZonesApi();
    v3.MapExtensionsApi();
    v3.MapResourceFiltersApi();
    v3.MapServicesApi();
    v3.MapLogLevelsApi();
    v3.MapClustersApi();
    v3.MapWorkersApi();
    v3.MapPoolsApi();
    v3.MapCapabilitiesApi();
    v3.MapSnapshotsApi();
    v3.MapTransfersApi();
    v3.MapTypesApi();
    v3.MapDefaultTypesApi();
    v3.MapQosSpecsApi();
    v3.MapQuotasApi();
    v3.MapMessagesApi();
    v3.MapAttachmentsApi();
    v3.MapBackupsApi();
    v3.MapGroupsApi();
});
app.MapImageVersions();
app.MapV2(v2 => v2.MapImagesApi());

app.Run();

/// <summary>Entry point; public so that tests can host the API with WebApplicationFactory.</summary>
public partial class Program;
