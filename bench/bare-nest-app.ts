/**
 * The yardsticks of the performance budget, in one process: a JSON ping on raw node:http, on bare
 * Fastify and on NestJS over the Fastify adapter (no constructor injection: tsx emits no decorator
 * metadata). Prints one JSON line with their URLs once all three listen.
 */
import 'reflect-metadata';

import { Body, Controller, Get, HttpCode, Module, Post, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import Fastify from 'fastify';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';

import { EstimateRequestDto } from '../src/modules/analyses/estimate.dto';

const HOST = '127.0.0.1';

@Controller()
class PingController {
  @Get('ping')
  ping(): { ok: boolean } {
    return { ok: true };
  }

  /** The quota route's body and work without the service around it: what NestJS's validation costs. */
  @Post('estimate')
  @HttpCode(200)
  estimate(
    // tsx emits no parameter types: the pipe is told the DTO, with the service's global pipe options.
    @Body(
      new ValidationPipe({
        expectedType: EstimateRequestDto,
        whitelist: true,
        forbidNonWhitelisted: true,
        transform: true,
      }),
    )
    body: EstimateRequestDto,
  ): { words: number; characters: number } {
    const words = body.text.split(/\s+/).filter((word) => word.length > 0).length;
    return { words, characters: [...body.text].length };
  }
}

@Module({ controllers: [PingController] })
class BareModule {}

async function startNest(): Promise<string> {
  const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), {
    logger: false,
  });
  await app.listen({ port: 0, host: HOST });
  return `http://${HOST}:${(app.getHttpServer().address() as AddressInfo).port}`;
}

async function startFastify(): Promise<string> {
  const app = Fastify();
  // eslint-disable-next-line @typescript-eslint/require-await -- the yardstick is Fastify's usual async handler
  app.get('/ping', async () => ({ ok: true }));
  return app.listen({ port: 0, host: HOST });
}

function startNodeHttp(): Promise<string> {
  const body = JSON.stringify({ ok: true });
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, HOST, () => resolve(`http://${HOST}:${(server.address() as AddressInfo).port}`)),
  );
}

async function main(): Promise<void> {
  const [nodeHttp, fastify, nest] = await Promise.all([startNodeHttp(), startFastify(), startNest()]);
  process.stdout.write(`${JSON.stringify({ nodeHttp, fastify, nest })}\n`);
  // A normal exit, so that --cpu-prof (BENCH_CPU_PROF) writes its profile.
  process.once('SIGTERM', () => process.exit(0));
}

void main().catch((error: unknown) => {
  process.stderr.write(`bare apps failed: ${String(error)}\n`);
  process.exit(1);
});
