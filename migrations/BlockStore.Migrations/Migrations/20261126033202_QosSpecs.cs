using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BlockStore.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class QosSpecs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "qos_specs_id",
                schema: "blockstore",
                table: "volume_types",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "qos_specs",
                schema: "blockstore",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    consumer = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    specs = table.Column<string>(type: "jsonb", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_qos_specs", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_volume_types_qos_specs_id",
                schema: "blockstore",
                table: "volume_types",
                column: "qos_specs_id");

            migrationBuilder.CreateIndex(
                name: "ix_qos_specs_name",
                schema: "blockstore",
                table: "qos_specs",
                column: "name",
                unique: true);

            migrationBuilder.AddForeignKey(
                name: "fk_volume_types_qos_specs_qos_specs_id",
                schema: "blockstore",
                table: "volume_types",
                column: "qos_specs_id",
                principalSchema: "blockstore",
                principalTable: "qos_specs",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_volume_types_qos_specs_qos_specs_id",
                schema: "blockstore",
                table: "volume_types");

            migrationBuilder.DropTable(
                name: "qos_specs",
                schema: "blockstore");

            migrationBuilder.DropIndex(
                name: "ix_volume_types_qos_specs_id",
                schema: "blockstore",
                table: "volume_types");

            migrationBuilder.DropColumn(
                name: "qos_specs_id",
                schema: "blockstore",
                table: "volume_types");
        }
    }
}
