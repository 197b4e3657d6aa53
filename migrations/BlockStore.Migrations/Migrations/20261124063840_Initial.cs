using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace BlockStore.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "blockstore");

            migrationBuilder.CreateTable(
                name: "jobs",
                schema: "blockstore",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "text", nullable: false),
                    volume_id = table.Column<Guid>(type: "uuid", nullable: false),
                    project_id = table.Column<string>(type: "text", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    progress = table.Column<int>(type: "integer", nullable: false),
                    checkpoint = table.Column<string>(type: "jsonb", nullable: true),
                    heartbeat_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    owner = table.Column<string>(type: "text", nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    error = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_jobs", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "messages",
                schema: "blockstore",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    project_id = table.Column<string>(type: "text", nullable: false),
                    resource_type = table.Column<string>(type: "text", nullable: false),
                    resource_uuid = table.Column<Guid>(type: "uuid", nullable: true),
                    event_id = table.Column<string>(type: "text", nullable: false),
                    message = table.Column<string>(type: "text", nullable: false),
                    level = table.Column<string>(type: "text", nullable: false),
                    request_id = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    guaranteed_until = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_messages", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "outbox",
                schema: "blockstore",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    message_type = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    body = table.Column<string>(type: "jsonb", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_outbox", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "quota_limits",
                schema: "blockstore",
                columns: table => new
                {
                    project_id = table.Column<string>(type: "text", nullable: false),
                    resource = table.Column<string>(type: "text", nullable: false),
                    hard_limit = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_quota_limits", x => new { x.project_id, x.resource });
                });

            migrationBuilder.CreateTable(
                name: "quota_usages",
                schema: "blockstore",
                columns: table => new
                {
                    project_id = table.Column<string>(type: "text", nullable: false),
                    resource = table.Column<string>(type: "text", nullable: false),
                    in_use = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_quota_usages", x => new { x.project_id, x.resource });
                });

            migrationBuilder.CreateTable(
                name: "volume_types",
                schema: "blockstore",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    description = table.Column<string>(type: "text", nullable: true),
                    is_public = table.Column<bool>(type: "boolean", nullable: false),
                    extra_specs = table.Column<string>(type: "jsonb", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_volume_types", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "volumes",
                schema: "blockstore",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    project_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    user_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    description = table.Column<string>(type: "text", nullable: true),
                    size = table.Column<int>(type: "integer", nullable: false),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    previous_status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    availability_zone = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    volume_type_id = table.Column<Guid>(type: "uuid", nullable: false),
                    backend = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    bootable = table.Column<bool>(type: "boolean", nullable: false),
                    metadata = table.Column<string>(type: "jsonb", nullable: false),
                    snapshot_id = table.Column<Guid>(type: "uuid", nullable: true),
                    source_volume_id = table.Column<Guid>(type: "uuid", nullable: true),
                    migration_status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    status_changed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_volumes", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "snapshots",
                schema: "blockstore",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    volume_id = table.Column<Guid>(type: "uuid", nullable: false),
                    project_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    user_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    description = table.Column<string>(type: "text", nullable: true),
                    size = table.Column<int>(type: "integer", nullable: false),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    metadata = table.Column<string>(type: "jsonb", nullable: false),
                    hidden = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    status_changed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_snapshots", x => x.id);
                    table.ForeignKey(
                        name: "fk_snapshots_volumes_volume_id",
                        column: x => x.volume_id,
                        principalSchema: "blockstore",
                        principalTable: "volumes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_jobs_state_heartbeat_at",
                schema: "blockstore",
                table: "jobs",
                columns: new[] { "state", "heartbeat_at" });

            migrationBuilder.CreateIndex(
                name: "ix_jobs_volume_id",
                schema: "blockstore",
                table: "jobs",
                column: "volume_id");

            migrationBuilder.CreateIndex(
                name: "ix_messages_project_id_created_at",
                schema: "blockstore",
                table: "messages",
                columns: new[] { "project_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_snapshots_project_id_created_at_id",
                schema: "blockstore",
                table: "snapshots",
                columns: new[] { "project_id", "created_at", "id" },
                descending: new[] { false, true, true });

            migrationBuilder.CreateIndex(
                name: "ix_snapshots_status_status_changed_at",
                schema: "blockstore",
                table: "snapshots",
                columns: new[] { "status", "status_changed_at" });

            migrationBuilder.CreateIndex(
                name: "ix_snapshots_volume_id",
                schema: "blockstore",
                table: "snapshots",
                column: "volume_id");

            migrationBuilder.CreateIndex(
                name: "ix_volume_types_name",
                schema: "blockstore",
                table: "volume_types",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_volumes_created_at_id",
                schema: "blockstore",
                table: "volumes",
                columns: new[] { "created_at", "id" },
                descending: new bool[0]);

            migrationBuilder.CreateIndex(
                name: "ix_volumes_project_id_created_at_id",
                schema: "blockstore",
                table: "volumes",
                columns: new[] { "project_id", "created_at", "id" },
                descending: new[] { false, true, true });

            migrationBuilder.CreateIndex(
                name: "ix_volumes_status_status_changed_at",
                schema: "blockstore",
                table: "volumes",
                columns: new[] { "status", "status_changed_at" });

            // Wake the outbox dispatcher on commit of any insert; the dispatcher polls as a fallback.
            migrationBuilder.Sql("""
                CREATE FUNCTION blockstore.notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_notify('blockstore_outbox', ''); RETURN NULL; END $$;
                CREATE TRIGGER outbox_notify AFTER INSERT ON blockstore.outbox
                    FOR EACH STATEMENT EXECUTE FUNCTION blockstore.notify_outbox();
                """);

            // Cinder's default type exists from the start; without volume_backend_name it uses the default backend.
            migrationBuilder.Sql("""
                INSERT INTO blockstore.volume_types (id, name, description, is_public, extra_specs, created_at)
                VALUES ('5f0c1a7e-0d1b-4b9e-9a53-3c4f6d2a9b10', '__DEFAULT__', 'Default Volume Type', true, '{}', now());
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS outbox_notify ON blockstore.outbox; DROP FUNCTION IF EXISTS blockstore.notify_outbox();");
            migrationBuilder.DropTable(
                name: "jobs",
                schema: "blockstore");

            migrationBuilder.DropTable(
                name: "messages",
                schema: "blockstore");

            migrationBuilder.DropTable(
                name: "outbox",
                schema: "blockstore");

            migrationBuilder.DropTable(
                name: "quota_limits",
                schema: "blockstore");

            migrationBuilder.DropTable(
                name: "quota_usages",
                schema: "blockstore");

            migrationBuilder.DropTable(
                name: "snapshots",
                schema: "blockstore");

            migrationBuilder.DropTable(
                name: "volume_types",
                schema: "blockstore");

            migrationBuilder.DropTable(
                name: "volumes",
                schema: "blockstore");
        }
    }
}
